/**
 * Ruby's net/smtp and net/imap (the gems Ruby 3.1 ships, as Rails' Action
 * Mailer and scripts use them): net/smtp sends several messages per
 * connection over STARTTLS and over implicit TLS with AUTH PLAIN and LOGIN;
 * net/imap logs in (LOGIN, and AUTHENTICATE PLAIN after STARTTLS), searches,
 * fetches every byte, expunges what it marked \Deleted, and hears in IDLE of
 * a message that arrives meanwhile. OpenSSL checks the test CA and the host
 * name. Skipped when ruby is not installed (.ci/run installs it).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type AppContext,
  assertLoginsLogged,
  assertQuietLog,
  assertReadBack,
  assertStoredAsSent,
  connectionsTo,
  eightBitMessage,
  mailboxFiles,
  missingClient,
  runClient,
  stored,
  submissionWays,
  USERS,
  withAppServer,
  withSubject,
} from "./app_library_fixture.ts";

const MISSING = missingClient("ruby", ["-rnet/smtp", "-rnet/imap", "-e0"], "net/smtp or net/imap");
if (MISSING) console.warn(`ruby_mail_test: skipped, ${MISSING}`);

/** The script's prelude: the job from stdin, TLS that trusts the test CA only. */
const PRELUDE = `require 'json'; require 'net/smtp'; require 'net/imap'; require 'openssl'
job = JSON.parse($stdin.read)
TLS = { ca_file: job['ca'], verify_mode: OpenSSL::SSL::VERIFY_PEER, verify_hostname: true }
def context
  OpenSSL::SSL::SSLContext.new.tap { |c| c.set_params(TLS) }
end
`;

/** Sends each way's messages over one net/smtp connection; raises on any refusal. */
const SMTP_SCRIPT = PRELUDE + `
job['ways'].each do |way|
  smtp = Net::SMTP.new('127.0.0.1', way['port'])
  way['implicit'] ? smtp.enable_tls(context) : smtp.enable_starttls(context)
  smtp.start('app.example.test', job['user'], job['password'], way['mech'].to_sym) do |session|
    way['messages'].each { |text| session.send_message(text, job['user'], job['to']) }
  end
end
`;

/** Runs `script` with Ruby, `job` as JSON on stdin; returns stdout. */
function ruby(script: string, job: Record<string, unknown>): Promise<string> {
  return runClient("ruby", ["-e", script], JSON.stringify(job));
}

function job(context: AppContext): Record<string, unknown> {
  return {
    ca: context.certs.caFile,
    user: "bob@example.test",
    password: USERS["bob@example.test"],
  };
}

Deno.test({
  name: "net/smtp sends two messages per connection over STARTTLS (PLAIN, LOGIN) and implicit TLS",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-ruby-", async (context) => {
      const ports = context.server.ports;
      const ways = submissionWays(ports, (mech) => mech.toLowerCase());
      await ruby(SMTP_SCRIPT, {
        ...job(context),
        to: "carol@example.test",
        ways: ways.map((way) => ({ ...way, messages: way.subjects.map(eightBitMessage) })),
      });
      const texts = await stored(context.server, "carol@example.test", 6);
      for (const subject of ways.flatMap((way) => way.subjects)) {
        assertStoredAsSent(
          withSubject(texts, subject),
          eightBitMessage(subject).replaceAll("\n", "\r\n"),
          {
            returnPath: "bob@example.test",
            via: "ESMTPSA",
            user: "bob@example.test",
          },
        );
      }
      await assertLoginsLogged(context.server, ["PLAIN", "LOGIN", "PLAIN"]);
      assert.equal(connectionsTo(context.server, "submission"), 2);
      await assertReadBack(context, "carol@example.test");
      assertQuietLog(context.server);
    }),
});

/**
 * As bob over IMAPS with LOGIN and over STARTTLS with AUTHENTICATE PLAIN:
 * search, fetch, mark \Deleted, expunge; then IDLE while a thread sends one
 * more message with net/smtp, until the EXISTS for it comes. Prints JSON,
 * the messages in base64 (they are bytes).
 */
const IMAP_SCRIPT = PRELUDE + `
seen = job['ways'].map do |way|
  imap = if way['implicit']
    Net::IMAP.new('127.0.0.1', port: way['port'], ssl: TLS)
  else
    Net::IMAP.new('127.0.0.1', port: way['port']).tap { |i| i.starttls(TLS) }
  end
  way['implicit'] ? imap.login(job['user'], job['password']) :
    imap.authenticate('PLAIN', job['user'], job['password'])
  imap.select('INBOX')
  all = imap.uid_search(['ALL'])
  found = imap.uid_search(['SUBJECT', way['subject']])
  fetched = imap.uid_fetch(all, ['RFC822.SIZE', 'BODY.PEEK[]']).to_h do |data|
    [data.attr['UID'], { size: data.attr['RFC822.SIZE'], text: [data.attr['BODY[]']].pack('m0') }]
  end
  imap.uid_store(found, '+FLAGS', [:Deleted])
  imap.expunge
  after = imap.uid_search(['ALL'])
  arrived = nil
  if way['idle']
    sender = nil
    imap.idle(20) do |response|
      if response.is_a?(Net::IMAP::ContinuationRequest)
        sender = Thread.new do
          smtp = Net::SMTP.new('127.0.0.1', job['submission'])
          smtp.enable_starttls(context)
          smtp.start('app.example.test', job['user'], job['password'], :plain) do |s|
            s.send_message("Subject: while idle\\n\\nhello\\n", job['user'], job['user'])
          end
        end
      elsif response.name == 'EXISTS'
        arrived = response.data
        imap.idle_done
      end
    end
    sender.join
  end
  imap.logout
  imap.disconnect
  { all: all, found: found, fetched: fetched, after: after, arrived: arrived }
end
puts JSON.generate(seen)
`;

interface Seen {
  all: number[];
  found: number[];
  fetched: Record<string, { size: number; text: string }>;
  after: number[];
  arrived: number | null;
}

Deno.test({
  name:
    "net/imap logs in, searches, fetches every byte, expunges what it marked \\Deleted, and IDLEs",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-ruby-", async (context) => {
      const subjects = ["first", "second Grüße", "third", "second again", "fifth"];
      await ruby(SMTP_SCRIPT, {
        ...job(context),
        to: "bob@example.test",
        ways: [{
          port: context.server.ports.submission,
          mech: "plain",
          messages: subjects.map(eightBitMessage),
        }],
      });
      await stored(context.server, "bob@example.test", subjects.length);
      const onDisk = () =>
        mailboxFiles(context.server, "bob@example.test").map((f) => Deno.readTextFileSync(f));
      const before = onDisk();
      const [overTls, overStarttls] = JSON.parse(
        await ruby(IMAP_SCRIPT, {
          ...job(context),
          submission: context.server.ports.submission,
          ways: [
            { port: context.server.ports.imaps, implicit: true, subject: "second" },
            { port: context.server.ports.imap, implicit: false, subject: "fifth", idle: true },
          ],
        }),
      ) as Seen[];
      assert.equal(overTls!.all.length, 5);
      assert.equal(overTls!.found.length, 2);
      const fetched = Object.values(overTls!.fetched).map((f) => {
        const bytes = Buffer.from(f.text, "base64");
        assert.equal(f.size, bytes.length, "RFC822.SIZE is the fetched length");
        return new TextDecoder().decode(bytes);
      });
      assert.deepEqual(fetched.sort(), before.sort());
      assert.deepEqual(overTls!.after, overTls!.all.filter((uid) => !overTls!.found.includes(uid)));
      assert.deepEqual(overStarttls!.all, overTls!.after);
      assert.equal(overStarttls!.found.length, 1);
      assert.equal(overStarttls!.after.length, 2);
      // Two left; the one sent while IDLE made three.
      assert.equal(overStarttls!.arrived, 3);
      const subjectsLeft = onDisk().map((text) => text.match(/\r\nSubject: (.*)\r\n/)![1]).sort();
      assert.deepEqual(subjectsLeft, ["first", "third", "while idle"]);
      assertQuietLog(context.server);
    }),
});
