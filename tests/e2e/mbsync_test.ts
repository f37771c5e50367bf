/**
 * mbsync (isync), a strict IMAP synchroniser nobody here wrote, against the
 * real server over IMAPS: it pulls delivered mail, uploads local mail with
 * APPEND (checking APPENDUID), propagates a flag and a deletion, and a
 * second run finds nothing to transfer. Skipped when mbsync or openssl is
 * not installed (.ci/run installs isync).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { maildirFiles, startServer, tempDir } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import { hasProgram } from "./tmux.ts";

const HAS_MBSYNC = hasProgram("mbsync", ["-v", "--version"]) && HAS_OPENSSL;

function mbsyncrc(port: number, caFile: string, local: string): string {
  return [
    "IMAPAccount bob",
    "Host localhost",
    `Port ${port}`,
    "User bob@example.test",
    "Pass pw-bob",
    "SSLType IMAPS",
    `CertificateFile ${caFile}`,
    "",
    "IMAPStore far",
    "Account bob",
    "",
    "MaildirStore near",
    `Path ${local}/`,
    `Inbox ${local}/INBOX`,
    "",
    "Channel all",
    "Far :far:",
    "Near :near:",
    "Patterns INBOX",
    "Create Both",
    "Expunge Both",
    "SyncState *",
    "",
  ].join("\n");
}

/** Runs mbsync with network debugging; returns the commands it sent. */
async function mbsync(config: string): Promise<string[]> {
  const output = await new Deno.Command("mbsync", {
    args: ["-c", config, "-Dn", "all"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  assert.doesNotMatch(text, /^(Error|Warning)/m, text);
  return text.split("\n").filter((line) => line.includes(">>> ")).map((line) =>
    line.replace(/^.*>>> \d+ /, "")
  );
}

const message = (n: number) =>
  `From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: Grüße ${n}\r\n` +
  `Message-ID: <far${n}@remote.test>\r\n\r\nFar message ${n}\r\n`;

Deno.test({
  name: "mbsync syncs both ways, flags and deletions, and a second run transfers nothing",
  ignore: !HAS_MBSYNC,
  fn: async () => {
    const dir = tempDir("pillarbox-mbsync-");
    const certs = await makeTestCertificates(dir);
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: [
        "--imaps-listen=127.0.0.1:0",
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
      ],
    });
    try {
      await deliver(server, Array.from({ length: 20 }, (_, i) => message(i)));
      const local = `${dir}/mail`;
      Deno.mkdirSync(local);
      const config = `${dir}/mbsyncrc`;
      Deno.writeTextFileSync(config, mbsyncrc(server.ports.imaps!, certs.caFile, local));
      await mbsync(config);
      const inbox = `${local}/INBOX`;
      const near = () => [...Deno.readDirSync(`${inbox}/cur`), ...Deno.readDirSync(`${inbox}/new`)];
      assert.equal(near().length, 20);

      // Near side: ten new messages, one marked read, one deleted.
      for (let i = 0; i < 10; i++) {
        Deno.writeTextFileSync(
          `${inbox}/new/${1700000000 + i}.near${i}.host`,
          `Subject: Nah ${i}\nMessage-ID: <near${i}@test>\n\nnear ${i}\n`,
        );
      }
      const [first, second] = [...Deno.readDirSync(`${inbox}/new`)]
        .filter((entry) => entry.name.includes(",U=")).map((entry) => entry.name);
      Deno.renameSync(`${inbox}/new/${first}`, `${inbox}/cur/${first!.split(":")[0]}:2,S`);
      Deno.removeSync(`${inbox}/new/${second}`);
      const sent = await mbsync(config);
      assert.equal(sent.filter((line) => line.startsWith("APPEND")).length, 10);

      const onServer = [
        ...maildirFiles(server.spoolDir, "bob@example.test"),
        ...maildirFiles(server.spoolDir, "bob@example.test", "cur"),
      ];
      assert.equal(onServer.length, 29);
      assert.equal(onServer.filter((name) => /:2,[A-Z]*S/.test(name)).length, 1);

      const again = await mbsync(config);
      assert.deepEqual(
        again.filter((line) => /^(APPEND|UID STORE|UID FETCH \d+ )/.test(line)),
        [],
      );
      assert.equal(near().length, 29);
    } finally {
      await server.stop();
    }
  },
});
