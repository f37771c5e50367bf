/**
 * PHP's imap extension (UW c-client), as PHP help-desk and mail-to-ticket
 * applications read a mailbox: imap_open over IMAPS and over POP3S (the
 * README sends it there: after STARTTLS/STLS, `/tls`, c-client speaks only
 * TLS 1.0, below our minimum), search, fetch every byte, the structure, flags,
 * delete and expunge, APPEND to Sent. c-client checks the certificate against
 * OpenSSL's default store, pointed at the test CA by SSL_CERT_FILE, and the
 * name in it (CN=localhost, so the host is written `localhost`). Skipped
 * when php or its imap extension is missing (.ci/run installs php-imap).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type AppContext,
  assertQuietLog,
  mailboxFiles,
  missingClient,
  runClient,
  withAppServer,
} from "./app_library_fixture.ts";
import { deliver } from "./imap_helpers.ts";

const MISSING = missingClient(
  "php",
  ["-r", "exit(function_exists('imap_open') ? 0 : 1);"],
  "php-imap",
);
if (MISSING) console.warn(`php_imap_test: skipped, ${MISSING}`);

/**
 * Opens bob's INBOX at the job's mailbox string; prints as JSON what it saw:
 * each message's bytes (base64), size and structure type, the search hits;
 * then deletes the hits and expunges (IMAP) or closes with CL_EXPUNGE (POP3).
 */
const SCRIPT = `<?php
$job = json_decode(file_get_contents('php://stdin'), true);
$box = imap_open($job['mailbox'], 'bob@example.test', 'pw-bob', 0, 1);
if (!$box) { fwrite(STDERR, json_encode(imap_errors())); exit(1); }
$seen = ['count' => imap_num_msg($box), 'messages' => []];
for ($i = 1; $i <= $seen['count']; $i++) {
    $raw = imap_fetchheader($box, $i, FT_PREFETCHTEXT) . imap_body($box, $i, FT_PEEK);
    $seen['messages'][] = ['raw' => base64_encode($raw), 'size' => imap_headerinfo($box, $i)->Size,
        'type' => imap_fetchstructure($box, $i)->subtype];
}
$hits = [];
for ($i = 1; $i <= $seen['count']; $i++) {
    if (strpos(imap_fetchheader($box, $i), "Subject: " . $job['subject']) !== false) $hits[] = $i;
}
if ($job['imap']) {
    $seen['search'] = imap_search($box, 'SUBJECT "' . $job['subject'] . '"') ?: [];
    $seen['appended'] = imap_append($box, $job['sent'], "Subject: kept\\r\\n\\r\\nsent copy\\r\\n", '\\\\Seen');
    imap_setflag_full($box, implode(',', $hits), '\\\\Deleted');
    imap_expunge($box);
    imap_close($box);
} else {
    foreach ($hits as $i) imap_delete($box, $i);
    imap_close($box, CL_EXPUNGE);
}
$seen['hits'] = $hits;
$seen['errors'] = imap_errors() ?: [];
echo json_encode($seen);
`;

interface Seen {
  count: number;
  /** Size as c-client gives it, a string. */
  messages: { raw: string; size: string; type: string }[];
  hits: number[];
  search?: number[];
  appended?: boolean;
  errors: string[];
}

async function readWithPhp(context: AppContext, job: Record<string, unknown>): Promise<Seen> {
  const args = ["-r", SCRIPT.slice("<?php\n".length)];
  const env = { SSL_CERT_FILE: context.certs.caFile };
  return JSON.parse(await runClient("php", args, JSON.stringify(job), env));
}

const MESSAGES = [
  "From: a@remote.test\r\nTo: bob@example.test\r\nSubject: ticket 1\r\n\r\nHello\r\n.\r\n",
  "From: a@remote.test\r\nTo: bob@example.test\r\nSubject: ticket 2\r\nMIME-Version: 1.0\r\n" +
  'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; ' +
  "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n--b\r\n" +
  "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n" +
  "--b--\r\n",
  "From: a@remote.test\r\nTo: bob@example.test\r\nSubject: spam\r\n\r\nbuy\r\n",
  "From: a@remote.test\r\nTo: bob@example.test\r\nSubject: newsletter\r\n\r\nnews\r\n",
];

Deno.test({
  name: "PHP's imap_open reads, searches and expunges over IMAPS, and deletes over POP3S",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-php-imap-", async (context) => {
      await deliver(context.server, MESSAGES);
      const ports = context.server.ports;
      const onDisk = () =>
        mailboxFiles(context.server, "bob@example.test").map((f) => Deno.readTextFileSync(f));
      const checkRead = (seen: Seen, present: string[]) => {
        assert.deepEqual(seen.errors, []);
        assert.equal(seen.count, present.length);
        const texts = seen.messages.map((m) => Buffer.from(m.raw, "base64").toString("utf8"));
        assert.deepEqual([...texts].sort(), [...present].sort());
        for (const [i, m] of seen.messages.entries()) {
          assert.equal(Number(m.size), Buffer.from(m.raw, "base64").length, `size of ${i + 1}`);
          assert.equal(m.type, texts[i]!.includes("multipart/mixed") ? "MIXED" : "PLAIN");
        }
      };
      const present = onDisk();
      const overImap = await readWithPhp(context, {
        mailbox: `{localhost:${ports.imaps}/imap/ssl}INBOX`,
        sent: `{localhost:${ports.imaps}/imap/ssl}Sent`,
        imap: true,
        subject: "spam",
      });
      checkRead(overImap, present);
      assert.deepEqual(overImap.search, overImap.hits);
      assert.equal(overImap.hits.length, 1);
      assert.equal(overImap.appended, true);
      assert.equal(onDisk().length, 3);
      const sentFolder = `${context.server.spoolDir}/mail/example.test/bob/.Sent`;
      const sent = [...Deno.readDirSync(`${sentFolder}/cur`)];
      assert.equal(sent.length, 1);
      assert.match(sent[0]!.name, /:2,S$/);

      const left = onDisk();
      const overPop3 = await readWithPhp(context, {
        mailbox: `{localhost:${ports.pop3s}/pop3/ssl}INBOX`,
        imap: false,
        subject: "newsletter",
      });
      checkRead(overPop3, left);
      assert.equal(overPop3.hits.length, 1);
      const subjects = onDisk().map((text) => text.match(/\r\nSubject: (.*)\r\n/)![1]).sort();
      assert.deepEqual(subjects, ["ticket 1", "ticket 2"]);
      assertQuietLog(context.server);
    }),
});
