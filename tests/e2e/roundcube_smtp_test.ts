/**
 * Sending from Roundcube: rcube_smtp (PEAR Net_SMTP) through submission with
 * STARTTLS and AUTH PLAIN or LOGIN, and through implicit TLS, a message built
 * with Mail_mime as the webmail builds it (UTF-8 headers and text, an HTML
 * part, an attachment, a line holding a dot); then its copy APPENDed to Sent,
 * a draft APPENDed to Drafts and deleted, and a read receipt sent with the
 * null sender as Roundcube sends it (RFC 8098 2.1). Each message is stored
 * once, byte for byte after our trace; Sent holds the copy, seen; Drafts ends
 * empty. Skipped when php or Roundcube's files are missing.
 */
import assert from "node:assert/strict";
import {
  assertLoginsLogged,
  assertStoredAsSent,
  stored,
  submissionWays,
  withAppServer,
  withSubject,
} from "./app_library_fixture.ts";
import { missingRoundcube, runRoundcube } from "./roundcube_fixture.ts";

const MISSING = missingRoundcube();
if (MISSING) console.warn(`roundcube_smtp_test: skipped, ${MISSING}`);

const SEND_SCRIPT = `
require_once 'Mail/mime.php';
$o = ['sent' => []];
foreach ($job['ways'] as $way) {
    $scheme = $way['implicit'] ? 'ssl' : 'tls';
    $rc->config->set('smtp_host', "$scheme://127.0.0.1:" . $way['port']);
    $rc->config->set('smtp_user', $job['user']);
    $rc->config->set('smtp_pass', $job['password']);
    $rc->config->set('smtp_auth_type', $way['mech']);
    $rc->config->set('smtp_conn_options', ['ssl' => ['cafile' => $job['ca'], 'peer_name' => 'localhost']]);
    $mime = new Mail_mime(['eol' => "\\r\\n", 'text_charset' => 'UTF-8', 'html_charset' => 'UTF-8',
        'head_charset' => 'UTF-8', 'text_encoding' => 'quoted-printable', 'html_encoding' => 'quoted-printable']);
    $mime->setTXTBody("Grüße aus Köln\\r\\n.\\r\\na dot above\\r\\n");
    $mime->setHTMLBody('<p>Grüße aus Köln</p>');
    $mime->addAttachment("PDF\\x00\\x01 bytes", 'application/pdf', 'Rechnung März.pdf', false, 'base64',
        'attachment', '', '', '', 'quoted-printable', 'quoted-printable', '', 'UTF-8');
    $headers = ['Date' => 'Fri, 27 Nov 2026 10:00:00 +0000', 'From' => 'Bob Müller <bob@example.test>',
        'To' => 'Carol <carol@example.test>, alice@other.test', 'Subject' => $way['subject'],
        'Message-ID' => '<' . str_replace(' ', '.', $way['subject']) . '@example.test>',
        'User-Agent' => 'Roundcube Webmail/' . RCUBE_VERSION];
    $body = $mime->get();
    $text = $mime->txtHeaders($headers) . "\\r\\n" . $body;
    $smtp = new rcube_smtp();
    if (!$smtp->connect()) { fwrite(STDERR, json_encode($smtp->get_error())); exit(1); }
    $hdrs = $mime->headers($headers);
    if (!$smtp->send_mail('bob@example.test', ['carol@example.test', 'alice@other.test'], $hdrs, $body)) {
        fwrite(STDERR, json_encode([$smtp->get_error(), $smtp->get_response()])); exit(1);
    }
    $smtp->disconnect();
    $o['sent'][] = $text;
    $o['saved'][] = $st->save_message('Sent', $text, '', false, ['SEEN']);
}
$draft = "From: bob@example.test\\r\\nSubject: draft\\r\\nMessage-ID: <draft@example.test>\\r\\n\\r\\nnot yet\\r\\n";
$o['draft'] = $st->save_message('Drafts', $draft, '', false, ['SEEN', 'DRAFT']);
$o['found'] = array_map('intval', $st->search_once('Drafts', 'HEADER Message-ID "<draft@example.test>"')->get());
$o['draftDeleted'] = $st->delete_message($o['draft'], 'Drafts');
// A read receipt: multipart/report with report-type=disposition-notification makes
// rcube_smtp send it from the null sender.
$mdn = "Date: Fri, 27 Nov 2026 10:05:00 +0000\\r\\nFrom: bob@example.test\\r\\nTo: carol@example.test\\r\\n" .
    "Subject: Read: lunch\\r\\n" .
    "Message-ID: <mdn@example.test>\\r\\nMIME-Version: 1.0\\r\\nContent-Type: multipart/report; " .
    "report-type=disposition-notification;\\r\\n boundary=\\"r\\"\\r\\n";
$report = "--r\\r\\nContent-Type: text/plain\\r\\n\\r\\nread\\r\\n--r\\r\\n" .
    "Content-Type: message/disposition-notification\\r\\n\\r\\nFinal-Recipient: rfc822;bob@example.test\\r\\n" .
    "Disposition: manual-action/MDN-sent-manually; displayed\\r\\n\\r\\n--r--\\r\\n";
$rc->config->set('smtp_host', 'tls://127.0.0.1:' . $job['ways'][0]['port']);
$rc->config->set('smtp_auth_type', null);
$smtp = new rcube_smtp();
$smtp->connect();
$o['mdnSent'] = $smtp->send_mail('bob@example.test', ['carol@example.test'], $mdn, $report);
$o['mdn'] = $mdn . "\\r\\n" . $report;
$smtp->disconnect();
echo json_encode($o);
`;

Deno.test({
  name:
    "Roundcube sends through submission, saves to Sent, keeps and drops a draft, sends a receipt",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-roundcube-smtp-", async (context) => {
      const ways = submissionWays(context.server.ports).map((way) => ({
        port: way.port,
        implicit: way.implicit,
        mech: way.mech,
        subject: `Grüße – ${way.subjects[0]}`,
      }));
      const { result, logs } = await runRoundcube<{
        sent: string[];
        saved: string[];
        draft: string;
        found: number[];
        draftDeleted: boolean;
        mdnSent: boolean;
        mdn: string;
      }>(context, SEND_SCRIPT, { ways });
      const carol = await stored(context.server, "carol@example.test", ways.length + 1);
      const alice = await stored(context.server, "alice@other.test", ways.length);
      for (const [i, way] of ways.entries()) {
        const sent = result.sent[i]!;
        // Mail_mime encodes the 8-bit subject (RFC 2047): find it by its Message-ID.
        const id = `<${way.subject.replaceAll(" ", ".")}@example.test>`;
        for (const texts of [carol, alice]) {
          const text = texts.filter((t) => t.includes(`\r\nMessage-ID: ${id}\r\n`));
          assert.equal(text.length, 1, id);
          assertStoredAsSent(text[0]!, sent, {
            returnPath: "bob@example.test",
            via: "ESMTPSA",
            user: "bob@example.test",
          });
        }
      }
      assert.equal(result.mdnSent, true);
      assertStoredAsSent(withSubject(carol, "Read: lunch"), result.mdn, {
        returnPath: "",
        via: "ESMTPSA",
        user: "bob@example.test",
      });
      // Sent: the copies, byte for byte, seen (RFC 3501 6.3.11: APPEND's flags).
      const bob = `${context.server.spoolDir}/mail/example.test/bob`;
      const sentFiles = [...Deno.readDirSync(`${bob}/.Sent/cur`)].map((e) => e.name);
      assert.equal(sentFiles.length, ways.length);
      for (const name of sentFiles) assert.match(name, /:2,S$/);
      const copies = sentFiles.map((name) => Deno.readTextFileSync(`${bob}/.Sent/cur/${name}`));
      assert.deepEqual(copies.sort(), [...result.sent].sort());
      assert.deepEqual(result.saved.map(Number), [1, 2, 3], "APPENDUID (RFC 4315)");
      // The draft was found by its Message-ID, as Roundcube looks for an old draft, then deleted.
      assert.deepEqual(result.found, [Number(result.draft)]);
      assert.equal(result.draftDeleted, true);
      for (const sub of ["new", "cur"]) {
        assert.deepEqual([...Deno.readDirSync(`${bob}/.Drafts/${sub}`)], []);
      }
      // Submission's logins: the three ways, then the receipt's (Net_SMTP prefers LOGIN).
      await assertLoginsLogged(context.server, ["PLAIN", "LOGIN", "PLAIN", "LOGIN"]);
      assert.ok(logs.smtp.some((line) => line.includes("MAIL FROM:<>")), "receipt from <>");
      assert.equal(logs.errors, "");
    }),
});
