/**
 * A POP3 client that leaves mail on the server sees, after the Maildir was
 * copied from a real Dovecot 2.3 into Pillarbox, the UIDL list Dovecot's
 * POP3 gave it (RFC 1939 7: a UIDL persists for its message), so it
 * fetches nothing again: with the default `pop3_uidl_format` (UID and
 * UIDVALIDITY) and with UIDLs Dovecot saved in `dovecot-uidlist`
 * (`pop3_save_uidl`). Skipped where Dovecot's POP3 is not installed.
 */
import assert from "node:assert/strict";
import { isOwnMaildirName } from "../../src/mailbox/mod.ts";
import { DovecotUser, HAS_DOVECOT_POP3, serverOnCopyOf } from "./dovecot.ts";
import { python, type Server, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

const BOB = "bob@example.test";
const ignore = !HAS_DOVECOT_POP3;

/**
 * Logs in as argv[2] on port argv[1], prints the UIDL list as JSON
 * (message number -> UIDL), then runs argv[3] (RETR ...) and QUITs.
 */
const UIDLS = `
import json, poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1])); p.user(sys.argv[2]); p.pass_('pw-bob')
print(json.dumps(dict(line.decode().split(' ') for line in p.uidl()[1])))
exec(sys.argv[3] if len(sys.argv) > 3 else '')
p.quit()
`;

async function uidls(port: number, user: string, then?: string): Promise<Record<string, string>> {
  const out = await python(UIDLS, [port, user, ...then === undefined ? [] : [then]]);
  return JSON.parse(out.trim().split("\n").at(0)!);
}

async function imapLogin(port: number): Promise<void> {
  await python(
    `import imaplib, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login('${BOB}', 'pw-bob')
assert c.select('INBOX')[0] == 'OK'; c.logout()`,
    [port],
  );
}

/**
 * A Maildir a POP3 client used with Dovecot (one message expunged, a gap in
 * the UIDs; one read) and the UIDL list Dovecot's POP3 gave it.
 */
async function dovecotPop3InUse(settings: Record<string, string> = {}) {
  const dovecot = new DovecotUser();
  for (let i = 1; i <= 4; i++) await dovecot.save("INBOX", `Subject: INBOX ${i}\n\nbody\n`);
  await dovecot.doveadm(["expunge", "mailbox", "INBOX", "uid", "2"]);
  const pop3d = await dovecot.servePop3(settings);
  try {
    return { dovecot, seen: await uidls(pop3d.port, "bob", "p.retr(1)") };
  } finally {
    await pop3d.stop();
  }
}

for (const first of ["POP3", "IMAP"]) {
  Deno.test({
    name:
      `a POP3 client sees Dovecot's UIDLs in Pillarbox when the first login after the move is ${first}, also after RETR and a restart; a message delivered since gets its base name`,
    ignore,
    async fn() {
      const { dovecot, seen } = await dovecotPop3InUse();
      // The default pop3_uidl_format, %08Xu%08Xv: UIDs 1, 3 and 4 of one UIDVALIDITY.
      assert.equal(Object.keys(seen).length, 3);
      for (const uidl of Object.values(seen)) assert.match(uidl, /^[0-9a-f]{16}$/);
      let server: Server = await serverOnCopyOf(dovecot.maildir);
      try {
        if (first === "IMAP") await imapLogin(server.ports.imap!);
        assert.deepEqual(await uidls(server.ports.pop3!, BOB, "p.retr(2); p.retr(3)"), seen);
        await deliver(server, ["Subject: since\r\n\r\nnew\r\n"]);
        const since = await uidls(server.ports.pop3!, BOB);
        assert.deepEqual({ ...since, 4: undefined }, { ...seen, 4: undefined });
        assert.ok(isOwnMaildirName(since["4"]!), since["4"]); // its base name
        await server.stop();
        server = await startServer({ spoolDir: server.spoolDir, flags: ["--insecure-auth"] });
        assert.deepEqual(await uidls(server.ports.pop3!, BOB), since);
        await server.waitForLog(/event=pop3\.update/); // after any warning the UIDL logged
        assert.doesNotMatch(server.log(), /dovecot_uidlist_ignored/);
      } finally {
        await server.stop();
      }
    },
  });
}

// %v.%u was Dovecot 1.0's default; %f is the file name, which Dovecot saves as an empty P.
for (const format of ["%v.%u", "%f"]) {
  Deno.test({
    name:
      `UIDLs Dovecot saved in dovecot-uidlist (pop3_save_uidl, pop3_uidl_format ${format}) come over as they are`,
    ignore,
    async fn() {
      const { dovecot, seen } = await dovecotPop3InUse({
        pop3_uidl_format: format,
        pop3_save_uidl: "yes",
      });
      const list = Deno.readTextFileSync(`${dovecot.maildir}/dovecot-uidlist`);
      assert.match(list, /^\d+ P\S* :/m, list); // the P field, read here
      const server = await serverOnCopyOf(dovecot.maildir);
      try {
        assert.deepEqual(await uidls(server.ports.pop3!, BOB), seen);
      } finally {
        await server.stop();
      }
    },
  });
}
