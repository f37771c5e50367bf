/**
 * PHPMailer (Debian's libphp-phpmailer) and PHP's own mail(), as a PHP web
 * application sends mail: SMTP with STARTTLS and AUTH (PLAIN and LOGIN), the
 * test CA checked; SMTPKeepAlive for several messages over one connection;
 * implicit TLS; and mail() and PHPMailer's sendmail mode through
 * `pillarbox sendmail` as sendmail_path. Each message is stored once, byte
 * for byte as PHPMailer says it sent it (getSentMIMEMessage). Skipped when
 * php or PHPMailer is not installed (.ci/run installs php-cli and
 * libphp-phpmailer).
 */
import assert from "node:assert/strict";
import {
  type AppContext,
  assertLoginsLogged,
  assertQuietLog,
  assertReadBack,
  assertStoredAsSent,
  connectionsTo,
  missingClient,
  runClient,
  stored,
  USERS,
  withAppServer,
  withSubject,
} from "./app_library_fixture.ts";
import { ROOT } from "./harness.ts";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";

const AUTOLOAD = "/usr/share/php/libphp-phpmailer/autoload.php";
const MISSING = missingClient("php", ["-r", `require "${AUTOLOAD}";`], "PHPMailer");
if (MISSING) console.warn(`phpmailer_test: skipped, ${MISSING}`);

/**
 * Sends the job's messages with one PHPMailer (SMTP, or sendmail when
 * `sendmail` is given) and prints, as JSON, what it says it sent.
 */
const SEND_SCRIPT = `<?php
require '${AUTOLOAD}';
use PHPMailer\\PHPMailer\\PHPMailer;
$job = json_decode(file_get_contents('php://stdin'), true);
$mail = new PHPMailer(true);
$mail->CharSet = PHPMailer::CHARSET_UTF8;
if (isset($job['sendmail'])) {
    $mail->isSendmail();
    $mail->Sendmail = $job['sendmail'];
} else {
    $mail->isSMTP();
    $mail->Host = '127.0.0.1';
    $mail->Port = $job['port'];
    $mail->SMTPSecure = $job['secure'];
    $mail->SMTPAuth = true;
    $mail->AuthType = $job['auth'];
    $mail->Username = 'bob@example.test';
    $mail->Password = $job['password'];
    $mail->SMTPKeepAlive = true;
    $mail->SMTPOptions = ['ssl' => ['cafile' => $job['ca'], 'verify_peer' => true,
        'verify_peer_name' => true, 'allow_self_signed' => false]];
}
$sent = [];
foreach ($job['subjects'] as $subject) {
    $mail->clearAllRecipients();
    $mail->clearAttachments();
    $mail->setFrom('bob@example.test', 'Bob Bäcker');
    $mail->addAddress($job['to']);
    $mail->Subject = $subject;
    $mail->Body = "Grüße aus Köln\\n.\\n..two dots\\nFrom the start of a line\\n";
    $mail->addStringAttachment(implode(array_map('chr', range(0, 255))), 'every-byte.bin');
    $mail->send();
    $sent[] = $mail->getSentMIMEMessage();
}
$mail->smtpClose();
echo json_encode($sent);
`;

/** Runs `script` with PHP (`args` after it, `input` on stdin); returns stdout. */
function php(context: AppContext, script: string, input: string, args: string[] = []) {
  const file = `${context.dir}/script-${crypto.randomUUID()}.php`;
  Deno.writeTextFileSync(file, script);
  return runClient("php", [...args, file], input);
}

/**
 * Sends messages with these subjects to `to`; returns the bytes PHPMailer's
 * SMTP class put on the wire for each: its data() sends every line of the
 * message with CRLF, the empty one after the last line break too, so the
 * message ends in one CRLF more than getSentMIMEMessage() has.
 */
async function phpmailer(context: AppContext, job: Record<string, unknown>): Promise<string[]> {
  const input = JSON.stringify({
    ca: context.certs.caFile,
    password: USERS["bob@example.test"],
    ...job,
  });
  const sent: string[] = JSON.parse(await php(context, SEND_SCRIPT, input));
  return sent.map((text) => text.replace(/\r?\n/g, "\r\n") + "\r\n");
}

/**
 * A sendmail command that is this checkout's `pillarbox sendmail` on the
 * server's spool; each call leaves its arguments and its standard input in
 * `<dir>/sendmail-<pid>.args` and `.in`.
 */
function sendmailCommand(context: AppContext): string {
  const path = `${context.dir}/sendmail`;
  const deno = [Deno.execPath(), "run", ...RUNTIME_FLAGS, ...PERMISSIONS, "--quiet"];
  const flags = [
    `--spool-dir=${context.server.spoolDir}`,
    "--domains=example.test,other.test",
    "--hostname=mx.test",
  ];
  const command = [...deno, `${ROOT}main.ts`, "sendmail", ...flags].map((w) => `'${w}'`);
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\nprintf '%s\\n' "$*" > "$0-$$.args"\n` +
      `tee "$0-$$.in" | exec ${command.join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/** What each call of `sendmailCommand`'s command was given: arguments -> standard input. */
function sendmailCalls(context: AppContext): Map<string, string> {
  const calls = new Map<string, string>();
  for (const entry of Deno.readDirSync(context.dir)) {
    if (!entry.name.endsWith(".args")) continue;
    const base = `${context.dir}/${entry.name.slice(0, -".args".length)}`;
    calls.set(Deno.readTextFileSync(`${base}.args`).trim(), Deno.readTextFileSync(`${base}.in`));
  }
  return calls;
}

Deno.test({
  name:
    "PHPMailer sends over STARTTLS with AUTH PLAIN and LOGIN and over implicit TLS, byte for byte",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-phpmailer-", async (context) => {
      const ways = [
        {
          subjects: ["starttls PLAIN"],
          port: context.server.ports.submission,
          secure: "tls",
          auth: "PLAIN",
        },
        {
          subjects: ["starttls LOGIN"],
          port: context.server.ports.submission,
          secure: "tls",
          auth: "LOGIN",
        },
        {
          subjects: ["implicit PLAIN"],
          port: context.server.ports.submissions,
          secure: "ssl",
          auth: "PLAIN",
        },
      ];
      for (const [i, way] of ways.entries()) {
        const [sent] = await phpmailer(context, { ...way, to: "bob@example.test" });
        const texts = await stored(context.server, "bob@example.test", i + 1);
        assertStoredAsSent(withSubject(texts, way.subjects[0]!), sent!, {
          returnPath: "bob@example.test",
          via: "ESMTPSA",
          user: "bob@example.test",
        });
      }
      await assertLoginsLogged(context.server, ["PLAIN", "LOGIN", "PLAIN"]);
      await assertReadBack(context, "bob@example.test");
      assertQuietLog(context.server);
    }),
});

Deno.test({
  name: "PHPMailer with SMTPKeepAlive sends five messages over one connection, each stored once",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-phpmailer-", async (context) => {
      const subjects = ["one", "two", "three", "four", "five"].map((n) => `kept alive ${n}`);
      const sent = await phpmailer(context, {
        subjects,
        port: context.server.ports.submission,
        secure: "tls",
        auth: "PLAIN",
        to: "carol@example.test",
      });
      const texts = await stored(context.server, "carol@example.test", subjects.length);
      for (const [i, subject] of subjects.entries()) {
        assertStoredAsSent(withSubject(texts, subject), sent[i]!, {
          returnPath: "bob@example.test",
          via: "ESMTPSA",
        });
      }
      await context.server.waitForLog(/event=smtp\.disconnect /);
      assert.equal(connectionsTo(context.server, "submission"), 1);
      assertQuietLog(context.server);
    }),
});

Deno.test({
  name:
    "PHP's mail() and PHPMailer's sendmail mode queue through `pillarbox sendmail` as sendmail_path",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-phpmailer-", async (context) => {
      const sendmail = sendmailCommand(context);
      const [sent] = await phpmailer(context, {
        subjects: ["sendmail mode"],
        sendmail,
        to: "carol@example.test",
      });
      // (The sendmail mode writes the message as getSentMIMEMessage() has it.)
      // mail() as a PHP page calls it, with the envelope sender as its fifth argument.
      const mailScript = `<?php
$ok = mail('carol@example.test', 'mail() Grüße', "Line one\\n.\\nLine three\\n",
    ['From' => 'Bob <bob@example.test>', 'Content-Type' => 'text/plain; charset=UTF-8'],
    '-fbounces@example.test');
echo $ok ? 'sent' : 'failed';
`;
      const said = await php(context, mailScript, "", ["-d", `sendmail_path=${sendmail} -t -i`]);
      assert.equal(said, "sent");
      const texts = await stored(context.server, "carol@example.test", 2);
      const calls = sendmailCalls(context);
      // PHPMailer passes its sender as -f, and the message has Date and Message-ID.
      const fromPhpmailer = calls.get("-oi -fbob@example.test -t");
      assert.ok(fromPhpmailer !== undefined, [...calls.keys()].join(" | "));
      assert.equal(sent!, fromPhpmailer.replace(/\r?\n/g, "\r\n") + "\r\n");
      assert.match(withSubject(texts, "sendmail mode"), /^Return-Path: <bob@example\.test>\r\n/);
      assert.ok(withSubject(texts, "sendmail mode").endsWith(sent!.slice(0, -2)));
      // mail() wrote To and Subject, then its headers, a blank line and the text, plus a line
      // end of its own; the command adds the Date and Message-ID the header lacks.
      const fromMail = calls.get("-t -i -fbounces@example.test");
      assert.ok(fromMail !== undefined, [...calls.keys()].join(" | "));
      const viaMail = texts.find((text) => text.includes("\r\nSubject: mail() Grüße\r\n"))!;
      assert.match(viaMail, /^Return-Path: <bounces@example\.test>\r\n/);
      const given = fromMail.replace(/\r?\n/g, "\r\n");
      const blank = given.indexOf("\r\n\r\n");
      const [head, body] = [given.slice(0, blank + 2), given.slice(blank + 4)];
      assert.equal(body, "Line one\r\n.\r\nLine three\r\n\r\n");
      assert.ok(viaMail.endsWith(`\r\n\r\n${body}`), viaMail);
      assert.ok(viaMail.includes(`\r\n${head}Date: `), viaMail);
      assert.match(viaMail, /\r\nMessage-ID: <[^>]+@mx\.test>\r\n\r\n/);
      await assertReadBack(context, "carol@example.test");
      assertQuietLog(context.server);
    }),
});
