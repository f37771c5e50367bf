/**
 * A private Dovecot 2.3 for the migration tests: `doveadm` with a config
 * file of its own in a test directory, no daemon, no system service. Mail
 * is read and written as the test's user, or as nobody when that is root
 * (Dovecot refuses mail access as root); the trees it works on are handed
 * to that user first. Tests use `ignore: !HAS_DOVEADM`.
 */
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { freePort } from "./free_port.ts";
import { type Server, startServer, tempDir } from "./harness.ts";

const decoder = new TextDecoder();

function findDoveadm(): string | null {
  for (const path of ["/usr/bin/doveadm", "/usr/local/bin/doveadm"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not there */ }
  }
  return null;
}

const DOVEADM = findDoveadm();

/** Whether doveadm is installed (apt-get install dovecot-core dovecot-imapd). */
export const HAS_DOVEADM = DOVEADM !== null;

/** The uid and gid Dovecot touches mail as: the test's own, or nobody's for root. */
const MAIL_IDS = Deno.uid() === 0
  ? { uid: 65534, gid: 65534 }
  : { uid: Deno.uid()!, gid: Deno.gid()! };

/** Gives `path` and everything below it to the mail user (a no-op unless root). */
export async function handToDovecot(path: string): Promise<void> {
  if (Deno.uid() !== 0) return;
  await run("chown", ["-R", `${MAIL_IDS.uid}:${MAIL_IDS.gid}`, path]);
}

/** `cp -a from to`: a Maildir copied the way an administrator would. */
export async function copyTree(from: string, to: string): Promise<void> {
  await run("cp", ["-a", from, to]);
}

async function run(program: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  const stderr = decoder.decode(output.stderr);
  if (!output.success) {
    throw new Error(`${program} ${args.join(" ")} failed (${output.code}):\n${stderr}`);
  }
  // doveadm logs to stderr; an error it logged on the way is a failure too.
  if (/\b(Error|Panic|Fatal):/.test(stderr)) throw new Error(`${program} logged:\n${stderr}`);
  return decoder.decode(output.stdout);
}

/** The first bytes a server on loopback `port` sends. */
async function readGreeting(port: number): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const buffer = new Uint8Array(512);
    const count = await connection.read(buffer);
    return decoder.decode(buffer.subarray(0, count ?? 0));
  } finally {
    connection.close();
  }
}

/** One Dovecot user whose Maildir++ root is `maildir`. */
export class DovecotUser {
  readonly maildir: string;
  readonly #dir: string;
  readonly #config: string;

  constructor() {
    this.#dir = tempDir("pillarbox-dovecot-");
    // Dovecot, as nobody, must reach its Maildir through the test's private directory.
    Deno.chmodSync(this.#dir, 0o755);
    this.maildir = `${this.#dir}/Maildir`;
    Deno.mkdirSync(this.maildir);
    this.#config = `${this.#dir}/dovecot.conf`;
    Deno.mkdirSync(`${this.#dir}/home`);
    Deno.mkdirSync(`${this.#dir}/run`);
    Deno.writeTextFileSync(
      this.#config,
      [
        `base_dir = ${this.#dir}/run`,
        `state_dir = ${this.#dir}/run`,
        "log_path = /dev/stderr",
        "first_valid_uid = 1",
        // The Maildir++ layout Debian's Dovecot uses: folders .Name, "." between levels.
        "namespace inbox {",
        "  inbox = yes",
        "  separator = .",
        "}",
        "",
      ].join("\n"),
    );
  }

  /**
   * Runs `doveadm <args>` for this user; `settings` are more `-o name=value`
   * (imapc_host, ...). Throws if it fails or logs an error.
   */
  async doveadm(
    args: string[],
    options: { stdin?: string; settings?: Record<string, string | number> } = {},
  ): Promise<string> {
    await handToDovecot(`${this.#dir}/home`);
    await handToDovecot(this.maildir);
    const settings = {
      mail_location: `maildir:${this.maildir}`,
      mail_uid: MAIL_IDS.uid,
      mail_gid: MAIL_IDS.gid,
      ...options.settings,
    };
    const overrides = Object.entries(settings).flatMap((
      [name, value],
    ) => ["-o", `${name}=${value}`]);
    return await run(
      "env",
      [
        `HOME=${this.#dir}/home`,
        "USER=bob",
        "TZ=UTC",
        DOVEADM!,
        "-c",
        this.#config,
        ...overrides,
        ...args,
      ],
      options.stdin,
    );
  }

  /**
   * Runs a real Dovecot IMAP server for this user (login "bob", password
   * "pw-bob", no TLS) on a loopback port, until `stop`; resolves once it
   * accepts connections.
   */
  async serveImap(): Promise<{ port: number; stop: () => Promise<void> }> {
    await handToDovecot(`${this.#dir}/home`);
    await handToDovecot(this.maildir);
    const port = freePort();
    const run = `${this.#dir}/imapd`;
    Deno.mkdirSync(run, { recursive: true });
    Deno.chmodSync(run, 0o755);
    const config = `${this.#dir}/imapd.conf`;
    // Its login and internal processes run as the dovenull and dovecot users the
    // package makes; as another user than root, as that user.
    const self = Deno.uid() === 0 ? [] : [
      `default_login_user = ${Deno.env.get("USER") ?? Deno.env.get("LOGNAME")}`,
      `default_internal_user = ${Deno.env.get("USER") ?? Deno.env.get("LOGNAME")}`,
    ];
    Deno.writeTextFileSync(
      config,
      [
        `base_dir = ${run}`,
        `state_dir = ${run}`,
        "log_path = /dev/stderr",
        "first_valid_uid = 1",
        ...self,
        "protocols = imap",
        "listen = 127.0.0.1",
        "ssl = no",
        "disable_plaintext_auth = no",
        "passdb {\n  driver = static\n  args = password=pw-bob\n}",
        `userdb {\n  driver = static\n  args = uid=${MAIL_IDS.uid} gid=${MAIL_IDS.gid} ` +
        `home=${this.#dir}/home\n}`,
        `mail_location = maildir:${this.maildir}`,
        "namespace inbox {\n  inbox = yes\n  separator = .\n}",
        "service imap-login {\n  chroot =\n  inet_listener imap {",
        `    address = 127.0.0.1\n    port = ${port}\n  }`,
        "  inet_listener imaps {\n    port = 0\n  }\n}",
        "service anvil {\n  chroot =\n}",
        "",
      ].join("\n"),
    );
    const child = new Deno.Command("/usr/sbin/dovecot", {
      args: ["-F", "-c", config],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const stop = async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      const log = await stderr;
      if (/\b(Error|Panic|Fatal):/.test(log)) throw new Error(`dovecot logged:\n${log}`);
    };
    const deadline = Date.now() + 10_000;
    while (true) {
      try {
        // Its greeting, not just a connection: another program may have taken the port.
        const greeting = await readGreeting(port);
        if (!greeting.includes("Dovecot")) throw new Error(`not Dovecot: ${greeting}`);
        return { port, stop };
      } catch (error) {
        if (Date.now() > deadline) {
          await stop().catch(() => {});
          throw new Error(`dovecot did not listen on ${port}: ${error}\n${await stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Makes this user's Maildir a copy of `from` (the way back: a Maildir of ours handed to Dovecot). */
  async copyMaildirFrom(from: string): Promise<void> {
    Deno.removeSync(this.maildir, { recursive: true });
    await copyTree(from, this.maildir);
    await handToDovecot(this.maildir);
  }

  /**
   * Imports an mbox (`text`, From_ lines and all) into INBOX, as moving from
   * mbox to Maildir with `doveadm import` does: each message's received date
   * is its From_ line's.
   */
  async importMbox(text: string): Promise<void> {
    const mboxDir = `${this.#dir}/mbox`;
    Deno.mkdirSync(mboxDir, { recursive: true });
    Deno.writeTextFileSync(`${mboxDir}/inbox`, text);
    await handToDovecot(mboxDir);
    await this.doveadm(["import", "-s", `mbox:${mboxDir}:INBOX=${mboxDir}/inbox`, "", "all"]);
  }

  /** Saves `message` into `folder` the way Dovecot's own delivery does (`doveadm save`). */
  async save(folder: string, message: string): Promise<void> {
    await this.doveadm(["save", "-m", folder], { stdin: message });
  }

  /**
   * Every message as Dovecot sees it, by folder (UTF-8 names, as doveadm
   * prints them): flags (with keywords, without \Recent), subject and body.
   */
  async messages(): Promise<Map<string, { flags: string[]; subject: string; size: number }[]>> {
    const text = await this.doveadm(
      ["-f", "json", "fetch", "mailbox uid flags size.virtual hdr.subject", "all"],
    );
    const rows = JSON.parse(text) as Record<string, string>[];
    const byFolder = new Map<string, { flags: string[]; subject: string; size: number }[]>();
    for (const row of rows) {
      const folder = row.mailbox as string;
      const flags = (row.flags as string).split(" ").filter((f) => f !== "" && f !== "\\Recent");
      const list = byFolder.get(folder) ?? [];
      list.push({
        flags: flags.sort(),
        subject: row["hdr.subject"] as string,
        size: Number(row["size.virtual"]),
      });
      byFolder.set(folder, list);
    }
    for (const list of byFolder.values()) list.sort((a, b) => a.subject.localeCompare(b.subject));
    return byFolder;
  }

  /** The folders Dovecot lists, and the subscribed ones (UTF-8 names), sorted. */
  async folders(): Promise<{ all: string[]; subscribed: string[] }> {
    const lines = (text: string) => text.split("\n").filter((line) => line !== "").sort();
    return {
      all: lines(await this.doveadm(["mailbox", "list"])),
      subscribed: lines(await this.doveadm(["mailbox", "list", "-s"])),
    };
  }
}

/**
 * A server whose spool holds `maildir` as bob@example.test's (password
 * pw-bob, plain LOGIN allowed), copied in before it starts, as an
 * administrator moving from Dovecot does.
 */
export async function serverOnCopyOf(maildir: string): Promise<Server> {
  const spoolDir = tempDir();
  Deno.mkdirSync(`${spoolDir}/mail/example.test`, { recursive: true });
  await copyTree(maildir, mailboxDir(spoolDir, "bob@example.test"));
  return await startServer({
    spoolDir,
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
}
