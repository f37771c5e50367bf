/** Smarthost credentials never go out in plaintext unless allowed; a readable password file warns. */
import assert from "node:assert/strict";
import { runCli, startServer, tempDir, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";

const MESSAGE = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: relay\r\n\r\nhi\r\n";
const LOGIN = { user: "relay@isp.test", password: "pl4in pw" };

async function smarthostServer(sinkPort: number, options: { mode: number; extra: string[] }) {
  const dir = tempDir("pillarbox-smarthost-");
  const passwordFile = `${dir}/password`;
  await Deno.writeTextFile(passwordFile, LOGIN.password + "\n");
  await Deno.chmod(passwordFile, options.mode);
  return await startServer({
    flags: [
      `--smarthost=127.0.0.1:${sinkPort}`,
      "--smarthost-tls=none",
      `--smarthost-user=${LOGIN.user}`,
      `--smarthost-password-file=${passwordFile}`,
      ...options.extra,
    ],
  });
}

Deno.test("with --smarthost-tls=none the credentials are not sent: mail waits and an error says why", async () => {
  const sink = await startSink({ auth: LOGIN });
  const server = await smarthostServer(sink.port, { mode: 0o644, extra: [] });
  try {
    assert.match(
      server.log(),
      /level=warn event=smarthost\.password_file_readable .*mode=644/,
    );
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
    });
    await server.waitForLog(/level=error event=smtp\.auth_refused .*--smarthost-insecure-auth/);
    await server.waitForLog(/event=msg\.deferred .*status=4\.7\.0/);
    assert.equal(sink.connections(), 0, "no connection, so no credentials on the wire");
    assert.ok(!server.log().includes(LOGIN.password));
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("--smarthost-insecure-auth allows AUTH over plaintext; a 0600 password file is quiet", async () => {
  const sink = await startSink({ auth: LOGIN });
  const server = await smarthostServer(sink.port, {
    mode: 0o600,
    extra: ["--smarthost-insecure-auth"],
  });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
    assert.equal(sink.transactions[0]!.authUser, LOGIN.user);
    assert.equal(sink.transactions[0]!.isTls, false);
    assert.doesNotMatch(server.log(), /password_file_readable|auth_refused/);
  } finally {
    await server.stop();
    await sink.close();
  }
});

/** A sink wanting LOGIN, and a server that logs in to it with the password file's first line. */
async function smarthostWithPasswordFile(password: string) {
  const sink = await startSink({ auth: LOGIN });
  const passwordFile = `${tempDir("pillarbox-smarthost-")}/password`;
  await Deno.writeTextFile(passwordFile, password + "\n", { mode: 0o600 });
  const server = await startServer({
    flags: [
      `--smarthost=127.0.0.1:${sink.port}`,
      "--smarthost-tls=none",
      "--smarthost-insecure-auth",
      `--smarthost-user=${LOGIN.user}`,
      `--smarthost-password-file=${passwordFile}`,
    ],
  });
  return { sink, server, passwordFile };
}

Deno.test("a password fixed in --smarthost-password-file after a 535 is used at the next attempt, without a restart", async () => {
  const { sink, server, passwordFile } = await smarthostWithPasswordFile("an old password");
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
    });
    await server.waitForLog(/event=msg\.deferred .*status=4\.7\.8/);
    // The operator does what the log line says: fixes the file (replaced, as editors do).
    await Deno.writeTextFile(`${passwordFile}.new`, LOGIN.password + "\n", { mode: 0o600 });
    await Deno.rename(`${passwordFile}.new`, passwordFile);
    const retried = await runCli(["queue", "retry", "--all", `--spool-dir=${server.spoolDir}`]);
    assert.equal(retried.code, 0, retried.stderr);
    await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery with the new password");
    assert.equal(sink.transactions[0]!.authUser, LOGIN.user);
    assert.ok(!server.log().includes(LOGIN.password));
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("a password file that turns empty while the server runs leaves the last password in use, with a warning", async () => {
  const { sink, server, passwordFile } = await smarthostWithPasswordFile(LOGIN.password);
  try {
    await Deno.writeTextFile(passwordFile, "\n");
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
    });
    await waitUntil(
      () => sink.transactions.length === 1,
      10_000,
      "delivery with the last password",
    );
    // Logged before the delivery, but log lines reach us in batches: wait for it.
    await server.waitForLog(/level=warn event=smarthost\.password_file_reload_failed .*is empty/);
  } finally {
    await server.stop();
    await sink.close();
  }
});
