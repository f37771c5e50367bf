/**
 * What a Roundcube user does with folders and messages, through rcube_imap
 * as the webmail calls it (folder names in modified UTF-7, converted from
 * UTF-8 by Roundcube): find Sent/Drafts/Junk/Trash by SPECIAL-USE, create,
 * subscribe, rename and delete folders with non-ASCII names; read a MIME
 * message; mark it read and flagged; search; move to Trash and empty it.
 * Each step is checked against the Maildir on disk. Skipped when php or
 * Roundcube's files are missing.
 */
import assert from "node:assert/strict";
import { type AppContext, withAppServer } from "./app_library_fixture.ts";
import { deliver } from "./imap_helpers.ts";
import { missingRoundcube, runRoundcube } from "./roundcube_fixture.ts";

const MISSING = missingRoundcube();
if (MISSING) console.warn(`roundcube_imap_test: skipped, ${MISSING}`);

/** bob's Maildir folders on disk (the names after the dot, modified UTF-7 as stored). */
function folders(context: AppContext): string[] {
  const bob = `${context.server.spoolDir}/mail/example.test/bob`;
  return [...Deno.readDirSync(bob)].filter((e) => e.isDirectory && e.name.startsWith("."))
    .map((e) => e.name.slice(1)).sort();
}

const FOLDER_SCRIPT = `
$o = ['special' => $st->get_special_folders(true)];
$o['created'] = [$st->create_folder(u7('Rechnungen 2026 – Köln'), true),
    $st->create_folder(u7('Rechnungen 2026 – Köln.Ärzte & Co'), true),
    $st->create_folder(u7('📁 Archiv'), true)];
$o['listed'] = u8($st->list_folders());
$o['subscribed'] = u8($st->list_folders_subscribed());
$o['renamed'] = $st->rename_folder(u7('Rechnungen 2026 – Köln'), u7('Belege – Zürich'));
$o['afterRename'] = u8($st->list_folders_subscribed());
$o['unsubscribed'] = $st->unsubscribe([u7('📁 Archiv')]);
$o['deleted'] = $st->delete_folder(u7('Belege – Zürich'));
$o['listedAtEnd'] = u8($st->list_folders());
$o['subscribedAtEnd'] = u8($st->list_folders_subscribed());
echo json_encode($o);
`;

Deno.test({
  name: "Roundcube finds the special folders and creates, renames and deletes non-ASCII ones",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-roundcube-folders-", async (context) => {
      const { result, logs } = await runRoundcube<Record<string, unknown>>(context, FOLDER_SCRIPT);
      // Roundcube orders the special folders by its configuration: compared as sets.
      const defaults = ["INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"].sort();
      for (const key of ["listed", "subscribed", "afterRename", "listedAtEnd", "subscribedAtEnd"]) {
        result[key] = (result[key] as string[]).sort();
      }
      assert.deepEqual(result["special"], {
        drafts: "Drafts",
        sent: "Sent",
        junk: "Junk",
        trash: "Trash",
      });
      // One LIST with the SPECIAL-USE selection option (RFC 6154 3) found them.
      assert.ok(logs.imapCommands.includes('LIST (SPECIAL-USE) "" "*" RETURN (SUBSCRIBED)'));
      assert.deepEqual(result["created"], [true, true, true]);
      const made = ["Rechnungen 2026 – Köln", "Rechnungen 2026 – Köln.Ärzte & Co", "📁 Archiv"];
      assert.deepEqual(result["listed"], [...defaults, ...made].sort());
      assert.deepEqual(result["subscribed"], [...defaults, ...made].sort());
      assert.equal(result["renamed"], true);
      assert.deepEqual(
        result["afterRename"],
        [...defaults, "Belege – Zürich", "Belege – Zürich.Ärzte & Co", "📁 Archiv"].sort(),
      );
      assert.equal(result["unsubscribed"], true);
      assert.equal(result["deleted"], true);
      assert.deepEqual(result["listedAtEnd"], [...defaults, "📁 Archiv"].sort());
      assert.deepEqual(result["subscribedAtEnd"], defaults);
      // On disk: Maildir++ folders named in modified UTF-7 (RFC 3501 5.1.3), the
      // astral-plane folder as a surrogate pair.
      assert.deepEqual(folders(context), [
        "&2D3cwQ- Archiv",
        "Archive",
        "Drafts",
        "Junk",
        "Sent",
        "Trash",
      ]);
      // Roundcube moves a renamed folder's subscription itself (UNSUBSCRIBE the old
      // name, SUBSCRIBE the new) after we had moved it with the folder: every
      // command it sent was answered OK (RFC 9051 6.3.8).
      const refused = logs.imap.filter((line) => / S: A\d+ (NO|BAD) /.test(line));
      assert.deepEqual(refused, []);
      assert.equal(logs.errors, "");
    }),
});

const MIME = "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@x.test>\r\n" +
  'To: Bob <bob@example.test>, "Doe, Jane" <jane@x.test>\r\n' +
  "Subject: Grüße – Rechnung =?utf-8?b?8J+Okg==?= März\r\n" +
  "Date: Tue, 03 Mar 2026 10:00:00 +0100\r\nMessage-ID: <mime1@x.test>\r\n" +
  'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n' +
  'preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n' +
  "--alt\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" +
  "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe aus K=F6ln, soft=\r\n break\r\n" +
  "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
  "<p>Grüße aus Köln</p>\r\n--alt--\r\n" +
  '--outer\r\nContent-Type: application/pdf; name="=?utf-8?q?Rechnung_M=C3=A4rz.pdf?="\r\n' +
  "Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\r\n" +
  "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCg==\r\n" +
  "--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@x.test\r\n" +
  "Subject: =?utf-8?q?inner_=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
  "inner body é\r\n--outer--\r\nepilogue\r\n";
const PLAIN = "From: Zoe <zoe@x.test>\r\nTo: bob@example.test\r\nSubject: lunch\r\n\r\nat noon\r\n";

const MESSAGE_SCRIPT = `
$o = [];
$uids = array_map('intval', $st->index('INBOX', 'date', 'ASC')->get());
$uid = $uids[0];
$msg = new rcube_message($uid, 'INBOX');
$o['subject'] = $msg->subject;
$o['from'] = rcube_mime::decode_header($msg->headers->from, 'UTF-8');
$o['parts'] = [];
foreach ($msg->mime_parts as $id => $p) {
    $o['parts'][] = [(string) $id, $p->mimetype, $p->filename, $p->charset, $p->encoding, $p->size];
}
$o['text'] = $msg->first_text_part();
$o['html'] = $msg->first_html_part();
$o['pdf'] = base64_encode($msg->get_part_body('2'));
$o['inner'] = $msg->get_part_body('3.1', true);
$o['seen'] = $st->set_flag($uid, 'SEEN', 'INBOX');
$o['flagged'] = $st->set_flag($uid, 'FLAGGED', 'INBOX');
$o['unseen'] = $st->count('INBOX', 'UNSEEN', true);
$search = fn($q) => array_map('intval', $st->search_once('INBOX', $q)->get());
$o['search'] = ['subject' => $search('HEADER SUBJECT "Grüße"'), 'from' => $search('HEADER FROM "Müller"'),
    'body' => $search('BODY "Köln"'), 'text' => $search('TEXT "noon"'), 'unseen' => $search('UNSEEN'),
    'flagged' => $search('FLAGGED')];
$o['uids'] = $uids;
$o['moved'] = $st->move_message($uids, 'Trash', 'INBOX');
$o['inbox'] = $st->count('INBOX', 'ALL', true);
$o['trash'] = $st->count('Trash', 'ALL', true);
$o['emptied'] = $st->clear_folder('Trash');
echo json_encode($o);
`;

Deno.test({
  name: "Roundcube reads a MIME message, flags it, searches, moves it to Trash and empties Trash",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-roundcube-read-", async (context) => {
      await deliver(context.server, [MIME, PLAIN]);
      const { result, logs } = await runRoundcube<Record<string, unknown>>(context, MESSAGE_SCRIPT);
      assert.equal(result["subject"], "Grüße – Rechnung 🎒 März");
      assert.equal(result["from"], "Jürgen Müller <juergen@x.test>");
      assert.deepEqual(result["parts"], [
        ["0", "multipart/mixed", "", "", "8bit", 0],
        ["1", "multipart/alternative", "", "", "8bit", 0],
        ["1.1", "text/plain", "", "iso-8859-1", "quoted-printable", 35],
        ["1.2", "text/html", "", "utf-8", "8bit", 24],
        ["2", "application/pdf", "Rechnung März.pdf", "", "base64", 28],
        ["3", "message/rfc822", "", "", "7bit", 111],
        ["3.1", "text/plain", "", "utf-8", "7bit", 13],
      ]);
      assert.equal(result["text"], "Grüße aus Köln, soft break");
      assert.equal(result["html"], "<p>Grüße aus Köln</p>");
      assert.equal(result["pdf"], "JVBERi0xLjQKJcOkw7zDtsOfCg==");
      assert.equal(result["inner"], "inner body é");
      const [mime, plain] = result["uids"] as number[];
      assert.deepEqual(result["search"], {
        subject: [mime],
        from: [mime],
        body: [mime],
        text: [plain],
        unseen: [plain],
        flagged: [mime],
      });
      assert.equal(result["unseen"], 1);
      // Both moved (RFC 6851 MOVE), then Trash emptied (STORE \Deleted, CLOSE): both
      // folders are empty on disk. (Roundcube's own count of Trash afterwards is the
      // STATUS it cached before, so it is not asked here.)
      assert.deepEqual(
        [result["moved"], result["inbox"], result["trash"], result["emptied"]],
        [true, 0, 2, true],
      );
      const bob = `${context.server.spoolDir}/mail/example.test/bob`;
      for (const folder of ["", "/.Trash"]) {
        for (const sub of ["new", "cur"]) {
          assert.deepEqual([...Deno.readDirSync(`${bob}${folder}/${sub}`)], [], `${folder}/${sub}`);
        }
      }
      // Each search went out with RETURN (ALL) (RFC 4731 ESEARCH, offered now) and came back
      // as one ESEARCH line of UIDs; only its id-to-UID lookup of digits is a plain SEARCH.
      const searches = logs.imapCommands.filter((c) => c.startsWith("UID SEARCH "));
      assert.deepEqual(searches.map((c) => c.split(" ").slice(0, 4).join(" ")), [
        ...Array(6).fill("UID SEARCH RETURN (ALL)"),
        "UID SEARCH 2",
      ]);
      const answers = logs.imap.filter((line) => / S: \* E?SEARCH/.test(line));
      assert.equal(answers.length, 7, answers.join("\n"));
      assert.equal(
        answers.filter((line) => / S: \* ESEARCH \(TAG "A\d+"\) UID ALL \d/.test(line)).length,
        6,
      );
      assert.ok(logs.imapCommands.some((c) => c.startsWith("UID MOVE ")));
      assert.equal(logs.errors, "");
    }),
});
