/**
 * Roundcube's own IMAP and SMTP classes (rcube_imap over rcube_imap_generic,
 * rcube_smtp over PEAR's Net_SMTP), driven from php CLI scripts without a web
 * server, as the webmail most small hosts run beside their mail server uses
 * them. The classes come from Debian's roundcube-core package unpacked (not
 * installed: .ci/run fetches it with `apt-get download` and `dpkg -x`, the web
 * stack stays out), or from an installed one. Each script logs Roundcube's
 * IMAP and SMTP conversations (imap_debug, smtp_debug) to its own directory,
 * where a test reads the commands it sent and the errors it met.
 */
import { existsSync } from "node:fs";
import { type AppContext, missingClient, runClient, USERS } from "./app_library_fixture.ts";

/** Where .ci/run unpacks roundcube-core (`dpkg -x`). */
export const UNPACKED_ROUNDCUBE = "/tmp/pillarbox-roundcube";

/** Roundcube's program/lib/Roundcube directory, from an unpacked or installed package. */
function roundcubeLibrary(): string | null {
  const candidates = [
    Deno.env.get("PILLARBOX_ROUNDCUBE"),
    `${UNPACKED_ROUNDCUBE}/usr/share/roundcube`,
    "/usr/share/roundcube",
  ];
  for (const root of candidates) {
    const lib = `${root}/program/lib/Roundcube`;
    if (root && existsSync(`${lib}/bootstrap.php`)) return lib;
  }
  return null;
}

export const ROUNDCUBE_LIB: string | null = roundcubeLibrary();

/** Why the Roundcube tests are skipped, or null when they can run. */
export function missingRoundcube(): string | null {
  if (ROUNDCUBE_LIB === null) {
    return `Roundcube's files are not there (apt-get download roundcube-core; dpkg -x it into ${UNPACKED_ROUNDCUBE})`;
  }
  return missingClient(
    "php",
    [
      "-r",
      "require 'Net/SMTP.php'; require 'Mail/mime.php';" +
      " exit(extension_loaded('mbstring') && extension_loaded('intl') ? 0 : 1);",
    ],
    "php-mbstring, php-intl, php-net-smtp or php-mail-mime",
  );
}

/**
 * What every script starts with: Roundcube's bootstrap (its autoloader), a
 * configuration of our own (logs and temporary files in the test's
 * directory, IMAP and SMTP debug logs on), and `$st`, an rcube_imap logged in
 * over STARTTLS on the plain IMAP port with the test CA checked. `$job` is
 * the JSON the test gave on stdin; the script prints its answer as JSON.
 */
function prelude(): string {
  return `
$job = json_decode(file_get_contents('php://stdin'), true);
define('RCUBE_CONFIG_DIR', $job['dir'] . '/roundcube-config/');
require '${ROUNDCUBE_LIB}/bootstrap.php';
$_SERVER['REQUEST_URI'] = '/';
$rc = rcube::get_instance();
$st = new rcube_imap();
$rc->storage = $st;
$st->set_debug(true);
$st->set_options(['ssl_mode' => 'tls', 'auth_type' => $job['imapAuth'] ?? null,
    'socket_options' => ['ssl' => ['cafile' => $job['ca'], 'peer_name' => 'localhost']]]);
if (!$st->connect('127.0.0.1', $job['user'], $job['password'], $job['imap'], 'tls')) {
    fwrite(STDERR, 'login failed: ' . $st->get_error_str());
    exit(1);
}
function u7($name) { return rcube_charset::convert($name, 'UTF-8', 'UTF7-IMAP'); }
function u8($names) { return array_map(fn($n) => rcube_charset::convert($n, 'UTF7-IMAP', 'UTF-8'), $names); }
`;
}

/** The lines Roundcube logged for one script. */
export interface RoundcubeLogs {
  /** IMAP commands it sent, tags and timestamps cut ("SELECT INBOX", "UID FETCH ..."). */
  imapCommands: string[];
  /** Every line of its IMAP debug log (what it sent and what it read). */
  imap: string[];
  /** Every line of its SMTP debug log. */
  smtp: string[];
  /** Its errors.log (IMAP or SMTP errors Roundcube reported): empty when all went well. */
  errors: string;
}

/**
 * Runs `body` (PHP after the prelude) as `account`, with `job` merged into
 * what the prelude reads; returns its JSON answer and Roundcube's logs.
 */
export async function runRoundcube<T>(
  context: AppContext,
  body: string,
  job: Record<string, unknown> = {},
  account = "bob@example.test",
): Promise<{ result: T; logs: RoundcubeLogs }> {
  const dir = await Deno.makeTempDir({ dir: context.dir, prefix: "roundcube-" });
  await Deno.mkdir(`${dir}/roundcube-config`);
  await Deno.mkdir(`${dir}/logs`);
  await Deno.writeTextFile(
    `${dir}/roundcube-config/defaults.inc.php`,
    `<?php\n$config = ['log_driver' => 'file', 'log_dir' => '${dir}/logs', 'temp_dir' => '${dir}',\n` +
      "  'imap_debug' => true, 'smtp_debug' => true,\n" +
      // Read by rcube_config without a default: left unset, each read warns on stderr.
      "  'drafts_mbox' => null, 'junk_mbox' => null, 'sent_mbox' => null, 'trash_mbox' => null];\n",
  );
  const input = JSON.stringify({
    dir,
    ca: context.certs.caFile,
    imap: context.server.ports.imap,
    user: account,
    password: USERS[account],
    ...job,
  });
  const out = await runClient("php", ["-r", prelude() + body], input);
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/logs/${name}`);
    } catch {
      return "";
    }
  };
  const imap = read("imap.log").split("\n");
  const imapCommands = imap.flatMap((line) => {
    const sent = line.match(/\] C: A\d+ (.*)$/);
    return sent ? [sent[1]!] : [];
  });
  return {
    result: JSON.parse(out) as T,
    logs: { imap, imapCommands, smtp: read("smtp.log").split("\n"), errors: read("errors.log") },
  };
}
