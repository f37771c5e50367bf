/** Submission driven by swaks, a second SMTP client nobody here wrote. */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { maildirFiles, startServer, tempDir, waitUntil } from "./harness.ts";

const HAS_SWAKS = (() => {
  try {
    return new Deno.Command("swaks", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

async function swaks(args: string[]): Promise<{ code: number; transcript: string }> {
  const output = await new Deno.Command("swaks", { args, stdout: "piped", stderr: "piped" })
    .output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, transcript: decode(output.stdout) + decode(output.stderr) };
}

Deno.test({
  name: "swaks submits over STARTTLS with AUTH PLAIN, and a wrong password gets 535",
  ignore: !HAS_SWAKS || !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      users: { "alice@example.test": "alice-pw", "bob@example.test": "bob-pw" },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
    });
    try {
      const common = [
        "--server",
        `127.0.0.1:${server.ports.submission}`,
        "--tls",
        "--tls-verify",
        "--tls-ca-path",
        certs.caFile,
        "--auth",
        "PLAIN",
        "--auth-user",
        "alice@example.test",
        "--from",
        "alice@example.test",
        "--to",
        "bob@example.test",
      ];
      const good = await swaks([
        ...common,
        "--auth-password",
        "alice-pw",
        "--header",
        "Subject: via swaks",
      ]);
      assert.equal(good.code, 0, good.transcript);
      assert.match(good.transcript, /<~ {2}235 2\.7\.0 /);
      assert.match(good.transcript, /<~ {2}250 2\.0\.0 Ok: queued as [0-9a-z]+/);
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
      const text = await Deno.readTextFile(maildirFiles(server.spoolDir, "bob@example.test")[0]!);
      assert.match(text, /with ESMTPSA id /);
      assert.match(text, /\(authenticated as alice@example\.test\)/);
      assert.match(text, /^Subject: via swaks\r$/m);

      const bad = await swaks([...common, "--auth-password", "wrong"]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.transcript, /<~\* {1,2}535 5\.7\.8 /);
      assert.equal(
        maildirFiles(server.spoolDir, "bob@example.test").length,
        1,
        "nothing more stored",
      );
    } finally {
      await server.stop();
    }
  },
});
