/**
 * Measures the mailbox layer and POP3 STAT/LIST/UIDL on a 10,000-message
 * mailbox (a measurement, not a test): `deno task bench-pop3 [count]
 * [dovecot]`; with `dovecot`, the mailbox is one copied in from Dovecot
 * (its file names and `dovecot-uidlist`), whose UIDLs come from that list.
 *
 * 1. In process: first open (no index: every message gets a UID, the index
 *    is written), reopen after a "restart" (index read + readdir), and a
 *    refresh when nothing changed.
 * 2. Over the wire against the real server: login (snapshot), STAT, LIST
 *    and UIDL, in a first and a second session.
 */
import { join } from "node:path";
import { Logger } from "../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../src/mailbox/mod.ts";
import { startServer } from "../tests/e2e/harness.ts";
import { RawClient } from "../tests/e2e/raw_client.ts";

const COUNT = Number(Deno.args[0] ?? 10_000);
const IS_DOVECOT = Deno.args[1] === "dovecot";
const ACCOUNT = "bob@example.test";
const PASSWORD = "bench-pw";
const encoder = new TextEncoder();

async function time<T>(label: string, task: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await task();
  console.log(`${label.padEnd(52)} ${(performance.now() - start).toFixed(1).padStart(9)} ms`);
  return result;
}

function fillMailbox(dir: string): void {
  let uidlist = `3 V1700000000 N${COUNT + 1} G0123456789abcdef0123456789abcdef\n`;
  for (let i = 0; i < COUNT; i++) {
    const body = encoder.encode(
      `Subject: message ${i}\r\nFrom: a@remote.test\r\n\r\nbody ${i}\r\n`,
    );
    const name = IS_DOVECOT
      ? `${1_700_000_000 + i}.M${i % 1_000_000}P1.mx.test,S=${body.length},W=${body.length}`
      : `${1_700_000_000 + i}.M${i % 1_000_000}P1Q${i}.mx.test,S=${body.length}`;
    Deno.writeFileSync(join(dir, "new", name), body);
    uidlist += `${i + 1} :${name}\n`;
  }
  if (IS_DOVECOT) Deno.writeTextFileSync(join(dir, "dovecot-uidlist"), uidlist);
}

/** Reads a multi-line response to its "." and returns how many lines it had. */
async function multiLine(client: RawClient, command: string): Promise<number> {
  await client.send(command + "\r\n");
  const status = await client.line();
  if (!status?.startsWith("+OK")) throw new Error(`${command}: ${status}`);
  let lines = 0;
  while ((await client.line()) !== ".") lines++;
  return lines;
}

async function session(port: number, label: string): Promise<void> {
  const client = await RawClient.connect(port);
  await client.line();
  await client.command(`USER ${ACCOUNT}`);
  const login = await time(
    `${label}: USER/PASS (snapshot at login)`,
    () => client.command(`PASS ${PASSWORD}`),
  );
  if (!login.startsWith("+OK")) throw new Error(login);
  const stat = await time(`${label}: STAT`, () => client.command("STAT"));
  const listed = await time(`${label}: LIST`, () => multiLine(client, "LIST"));
  const uidls = await time(`${label}: UIDL`, () => multiLine(client, "UIDL"));
  if (listed !== COUNT || uidls !== COUNT || !stat.startsWith(`+OK ${COUNT} `)) {
    throw new Error(`unexpected listing: ${stat} ${listed} ${uidls}`);
  }
  await client.command("QUIT");
  client.close();
}

console.log(`mailbox with ${COUNT} messages${IS_DOVECOT ? ", copied in from Dovecot" : ""}`);
const quiet = new Logger({ sink: () => {} });
{
  const spoolDir = Deno.makeTempDirSync({ prefix: "pillarbox-bench-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  fillMailbox(await store.ensureMailbox(ACCOUNT));
  const first = new Mailboxes({ spoolDir, hostname: "mx.test", log: quiet });
  const mailbox = await first.openMailbox(ACCOUNT);
  await time("mailbox: first open + refresh (builds index)", () => mailbox.refresh());
  await time("mailbox: refresh, nothing changed", () => mailbox.refresh());
  const second = new Mailboxes({ spoolDir, hostname: "mx.test", log: quiet });
  await time("mailbox: reopen after restart + refresh", async () => {
    const reopened = await second.openMailbox(ACCOUNT);
    return await reopened.refresh();
  });
  Deno.removeSync(spoolDir, { recursive: true });
}
{
  const server = await startServer({ users: { [ACCOUNT]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    const dir = join(server.spoolDir, "mail", "example.test", "bob");
    for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
    fillMailbox(dir);
    await session(server.ports.pop3!, "pop3 first session");
    await session(server.ports.pop3!, "pop3 second session");
  } finally {
    await server.stop();
    Deno.removeSync(server.spoolDir, { recursive: true });
  }
}
