/**
 * Perl's mail modules as scripts and web applications use them: Net::SMTP
 * (libnet) sending several messages per connection over STARTTLS and over
 * implicit TLS with AUTH, and Mail::IMAPClient logging in, selecting,
 * searching, fetching, marking \Deleted and expunging, over IMAPS and over
 * STARTTLS. TLS goes through IO::Socket::SSL with the test CA and the host
 * name checked. Skipped when a module is missing (.ci/run installs
 * libio-socket-ssl-perl, libauthen-sasl-perl and libmail-imapclient-perl).
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
import { deliver } from "./imap_helpers.ts";

const MODULES = ["Net::SMTP", "IO::Socket::SSL", "Authen::SASL", "Mail::IMAPClient", "JSON::PP"];
const MISSING = missingClient(
  "perl",
  MODULES.map((name) => `-M${name}`).concat("-e1"),
  "a Perl module",
);
if (MISSING) console.warn(`perl_mail_test: skipped, ${MISSING} (${MODULES.join(", ")})`);

/** IO::Socket::SSL options that trust the test CA only and check the server's name. */
const TLS_OPTIONS = `(SSL_ca_file => $job->{ca}, SSL_verify_mode => 1,
    SSL_verifycn_scheme => 'default', SSL_verifycn_name => '127.0.0.1')`;

/** Sends each job message over its own Net::SMTP connection; dies on any refusal. */
const SMTP_SCRIPT = `use strict; use warnings;
use Authen::SASL; use JSON::PP; use Net::SMTP;
my $job = decode_json(do { local $/; <STDIN> });
my %tls = ${TLS_OPTIONS};
for my $way (@{$job->{ways}}) {
    my $smtp = Net::SMTP->new('127.0.0.1', Port => $way->{port}, Hello => 'app.example.test',
        Timeout => 20, $way->{implicit} ? (SSL => 1, %tls) : ())
        or die "connect: $@";
    if (!$way->{implicit}) { $smtp->starttls(%tls) or die 'starttls: ' . $smtp->message }
    my $sasl = Authen::SASL->new(mechanism => $way->{mech},
        callback => { user => $job->{user}, pass => $job->{password} });
    $smtp->auth($sasl) or die 'auth: ' . $smtp->message;
    for my $message (@{$way->{messages}}) {
        $smtp->mail($job->{user}) or die 'mail: ' . $smtp->message;
        $smtp->to($job->{to}) or die 'rcpt: ' . $smtp->message;
        $smtp->data() or die 'data: ' . $smtp->message;
        utf8::encode($message); # JSON gave characters: the wire takes UTF-8 bytes
        $smtp->datasend($message);
        $smtp->dataend() or die 'end of data: ' . $smtp->message;
    }
    $smtp->quit;
}
`;

/** Runs `script` with Perl, `job` as JSON on stdin; returns stdout. */
function perl(script: string, job: Record<string, unknown>): Promise<string> {
  return runClient("perl", ["-e", script], JSON.stringify(job));
}

Deno.test({
  name: "Net::SMTP sends two messages per connection over STARTTLS (PLAIN, LOGIN) and implicit TLS",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-perl-", async (context) => {
      const ports = context.server.ports;
      const ways = submissionWays(ports);
      await perl(SMTP_SCRIPT, {
        ca: context.certs.caFile,
        user: "bob@example.test",
        password: USERS["bob@example.test"],
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
 * Logs in as bob with Mail::IMAPClient (IMAPS, or STARTTLS on the plain
 * port), searches INBOX for the job's subject, fetches every message, marks
 * the found ones \Deleted and expunges; prints what it saw as JSON, the
 * messages in base64 (they are bytes).
 */
const IMAP_SCRIPT = `use strict; use warnings;
use JSON::PP; use MIME::Base64; use Mail::IMAPClient;
my $job = decode_json(do { local $/; <STDIN> });
my %tls = ${TLS_OPTIONS};
my $imap = Mail::IMAPClient->new(Server => '127.0.0.1', Port => $job->{port},
    ($job->{implicit} ? (Ssl => [%tls]) : (Starttls => [%tls])),
    User => $job->{user}, Password => $job->{password}, Uid => 1, Timeout => 20)
    or die "login: $@";
$imap->select('INBOX') or die 'select: ' . $imap->LastError;
my %seen = (all => scalar $imap->messages);
$seen{found} = $imap->search('SUBJECT', $imap->Quote($job->{subject}));
defined $seen{found} or die 'search: ' . $imap->LastError;
$seen{sizes} = $imap->fetch_hash('RFC822.SIZE');
$seen{texts} = { map { $_ => encode_base64($imap->message_string($_), '') } @{$seen{all}} };
$imap->set_flag('\\\\Deleted', @{$seen{found}}) or die 'store: ' . $imap->LastError;
$imap->expunge or die 'expunge: ' . $imap->LastError;
$seen{after} = scalar $imap->messages;
$imap->logout or die 'logout: ' . $imap->LastError;
print encode_json(\\%seen);
`;

interface ImapSeen {
  all: number[];
  found: number[];
  sizes: Record<string, { "RFC822.SIZE": string }>;
  texts: Record<string, string>;
  after: number[];
}

/** Runs IMAP_SCRIPT as bob against `port`. */
async function imapClient(context: AppContext, job: Record<string, unknown>): Promise<ImapSeen> {
  const base = { ca: context.certs.caFile, user: "bob@example.test", password: "pw-bob" };
  return JSON.parse(await perl(IMAP_SCRIPT, { ...base, ...job }));
}

Deno.test({
  name:
    "Mail::IMAPClient logs in, searches, fetches every byte, and expunges what it marked \\Deleted",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-perl-", async (context) => {
      const subjects = ["first", "second Grüße", "third", "second again", "fifth"];
      await deliver(
        context.server,
        subjects.map((s) => eightBitMessage(s).replaceAll("\n", "\r\n")),
      );
      const onDisk = () =>
        mailboxFiles(context.server, "bob@example.test").map((f) => Deno.readTextFileSync(f));
      const ways = [
        { port: context.server.ports.imaps, implicit: true, subject: "second", gone: 2 },
        { port: context.server.ports.imap, implicit: false, subject: "fifth", gone: 1 },
      ];
      for (const way of ways) {
        const present = onDisk();
        const seen = await imapClient(context, way);
        assert.equal(seen.all.length, present.length);
        assert.equal(seen.found.length, way.gone);
        const fetched = Object.values(seen.texts).map((b64) =>
          new TextDecoder().decode(Buffer.from(b64, "base64"))
        );
        assert.deepEqual(fetched.sort(), present.sort());
        for (const uid of seen.all) {
          const bytes = Buffer.from(seen.texts[uid]!, "base64").length;
          assert.equal(Number(seen.sizes[uid]!["RFC822.SIZE"]), bytes, `RFC822.SIZE of ${uid}`);
        }
        assert.deepEqual(seen.after, seen.all.filter((uid) => !seen.found.includes(uid)));
        assert.equal(onDisk().length, present.length - way.gone);
      }
      const subjectsLeft = onDisk().map((text) => text.match(/\r\nSubject: (.*)\r\n/)![1]).sort();
      assert.deepEqual(subjectsLeft, ["first", "third"]);
      assertQuietLog(context.server);
    }),
});
