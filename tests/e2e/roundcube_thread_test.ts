/**
 * Roundcube's threaded message list: once THREAD is offered, rcube_imap
 * picks REFERENCES (it prefers REFS, then REFERENCES, then ORDEREDSUBJECT),
 * asks one UID THREAD, parses the answer with rcube_result_thread and shows
 * each message at its depth. A conversation with a reply by References, one
 * by In-Reply-To, a second reply to the first message, a message apart, and
 * two replies to a message that is not there (a dummy at the top, written
 * "((6)(7))", which Roundcube shows under its first message). Skipped when
 * php or Roundcube's files are missing.
 */
import assert from "node:assert/strict";
import { withAppServer } from "./app_library_fixture.ts";
import { missingRoundcube, runRoundcube } from "./roundcube_fixture.ts";

const MISSING = missingRoundcube();
if (MISSING) console.warn(`roundcube_thread_test: skipped, ${MISSING}`);

/** A message: its Subject, its time on 1 January 2024 (UTC) and other header lines. */
const mail = (subject: string, time: string, ...fields: string[]) =>
  [`From: alice@remote.test`, `Subject: ${subject}`, `Date: Mon, 1 Jan 2024 ${time} +0000`]
    .concat(fields).join("\r\n") + "\r\n\r\nhello\r\n";

/** In APPEND order: UIDs 1 to 7. */
const MESSAGES = [
  mail("Plans", "10:00:00", "Message-ID: <p1@x.test>"),
  mail("Re: Plans", "10:05:00", "Message-ID: <p2@x.test>", "References: <p1@x.test>"),
  mail("Other", "10:02:00", "Message-ID: <o1@x.test>"),
  mail("Re: Plans", "10:10:00", "Message-ID: <p3@x.test>", "In-Reply-To: <p2@x.test>"),
  mail("Re: Plans", "10:07:00", "Message-ID: <p4@x.test>", "References: <p1@x.test>"),
  mail("Re: Trip", "10:20:00", "Message-ID: <t1@x.test>", "References: <gone@x.test>"),
  mail("Re: Trip", "10:21:00", "Message-ID: <t2@x.test>", "References: <gone@x.test>"),
];

const SCRIPT = `
$out = ['saved' => []];
foreach ($job['messages'] as $raw) {
    $out['saved'][] = (bool) $st->save_message('INBOX', $raw);
}
$out['threading'] = $st->set_threading(true);
$out['tree'] = $st->threads('INBOX')->get_tree();
$st->set_pagesize(50);
$out['list'] = [];
foreach ($st->list_messages('INBOX', 1, 'date', 'ASC') as $h) {
    $out['list'][] = [$h->uid, $h->depth, $h->subject];
}
echo json_encode($out);
`;

Deno.test({
  name: "Roundcube shows a folder as threads with THREAD=REFERENCES",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-roundcube-thread-", async (context) => {
      const { result, logs } = await runRoundcube<{
        saved: boolean[];
        threading: string | false;
        tree: unknown;
        list: [number, number, string][];
      }>(context, SCRIPT, { messages: MESSAGES });
      assert.deepEqual(result.saved, MESSAGES.map(() => true));
      assert.equal(result.threading, "REFERENCES");
      // The server's answer, as Roundcube logged it.
      const answer = logs.imap.find((line) => line.includes("* THREAD"));
      assert.match(answer ?? "", /\* THREAD \(1 \(2 4\)\(5\)\)\(3\)\(\(6\)\(7\)\)$/);
      // rcube_result_thread's tree: the dummy's first message stands for it.
      assert.deepEqual(result.tree, {
        "1": { "2": { "4": [] }, "5": [] },
        "3": [],
        "6": { "7": [] },
      });
      assert.deepEqual(result.list, [
        [1, 0, "Plans"],
        [2, 1, "Re: Plans"],
        [4, 2, "Re: Plans"],
        [5, 1, "Re: Plans"],
        [3, 0, "Other"],
        [6, 0, "Re: Trip"],
        [7, 1, "Re: Trip"],
      ]);
      assert.deepEqual(logs.imapCommands.filter((c) => c.includes("THREAD")), [
        "UID THREAD REFERENCES US-ASCII ALL",
      ]);
      assert.equal(logs.errors, "");
    }),
});
