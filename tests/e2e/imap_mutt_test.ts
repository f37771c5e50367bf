/**
 * A real terminal mail client, mutt, under tmux against the real server over
 * IMAP: it opens INBOX, shows the message SMTP delivered, saves it to Trash
 * (`s` `=Trash`), syncs (`$`), and the Maildir on disk says the message
 * moved. Skipped when mutt or tmux is not installed (.ci/run installs both).
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer, tempDir, waitUntil } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import { hasProgram, TmuxSession } from "./tmux.ts";

const HAS_MUTT = hasProgram("mutt", ["-v"]) && hasProgram("tmux", ["-V"]);
const ACCOUNT = "bob@example.test";

const MESSAGE = "From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\n" +
  "Subject: Owl report\r\nMessage-ID: <owl@remote.test>\r\n" +
  "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\n" +
  "The quick brown owl delivers pillarbox mail.\r\n";

/** A muttrc that reads nothing of the user's and asks no questions. */
function muttrc(port: number, dir: string): string {
  return [
    `set folder="imap://127.0.0.1:${port}/"`,
    `set spoolfile="+INBOX"`,
    `set imap_user="${ACCOUNT}"`,
    `set imap_pass="pw-bob"`,
    `set record=""`,
    `set postponed="+Drafts"`,
    `set trash=""`,
    `set ssl_starttls=no`,
    `set ssl_force_tls=no`,
    `set confirmappend=no`,
    `set confirmcreate=no`,
    `set delete=yes`,
    `set move=no`,
    `set quit=yes`,
    `set wait_key=no`,
    `set beep=no`,
    `set mark_old=no`,
    `set pager_stop=yes`,
    `set header_cache="${dir}/hcache"`,
    `set message_cachedir=""`,
    `set imap_check_subscribed=no`,
    `set mail_check=60`,
    `set timeout=60`,
    `set sort=date`,
    `set editor="true"`,
    `set charset="utf-8"`,
    "",
  ].join("\n");
}

Deno.test({
  name: "mutt under tmux opens INBOX, reads the delivered message and moves it to Trash",
  ignore: !HAS_MUTT,
  fn: async () => {
    const server = await startServer({
      users: { [ACCOUNT]: "pw-bob" },
      flags: ["--insecure-auth"],
    });
    const dir = tempDir("pillarbox-mutt-");
    let tmux: TmuxSession | null = null;
    try {
      await deliver(server, [MESSAGE]);
      Deno.writeTextFileSync(`${dir}/muttrc`, muttrc(server.ports.imap!, dir));
      tmux = await TmuxSession.start(["mutt", "-n", "-F", `${dir}/muttrc`], {
        dir,
        env: { HOME: dir, TERM: "screen", LANG: "C.UTF-8", MAIL: "" },
      });
      await tmux.waitFor(/Owl report/);
      await tmux.keys("Enter");
      await tmux.waitFor(/The quick brown owl delivers pillarbox mail\./);
      await tmux.keys("s");
      await tmux.waitFor(/Save to mailbox/);
      await tmux.keys("C-u");
      await tmux.keys("=Trash", { literal: true });
      await tmux.keys("Enter");
      // Saving from the pager marks it deleted and (last message) returns to the index; sync.
      await tmux.waitFor(/\[Msgs:1 Del:1 /);
      await tmux.keys("$");
      await tmux.waitFor(/\[Msgs:0[\] ]/);
      const trash = () => maildirFiles(server.spoolDir, ACCOUNT, ".Trash/cur");
      const inbox = () =>
        maildirFiles(server.spoolDir, ACCOUNT, "new").concat(
          maildirFiles(server.spoolDir, ACCOUNT, "cur"),
        );
      await waitUntil(
        () => trash().length === 1 && inbox().length === 0,
        10_000,
        "the message to move from INBOX to .Trash/cur",
      );
      assert.equal(inbox().length, 0, "the message left INBOX:\n" + (await tmux.screen()));
      assert.equal(trash().length, 1, "the message is in .Trash/cur");
      const moved = Deno.readTextFileSync(trash()[0]!);
      assert.ok(moved.endsWith(MESSAGE), "Trash holds the delivered bytes");
      await tmux.keys("q");
    } finally {
      await tmux?.kill();
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
