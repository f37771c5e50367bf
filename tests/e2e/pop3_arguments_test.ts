/**
 * POP3 commands defined with no arguments (RFC 1939 STAT, RSET, NOOP, QUIT;
 * RFC 2449 CAPA; RFC 2595 STLS) answer -ERR to a line with one, and change
 * nothing: no TLS, no unmarking, no UPDATE. A trailing space is no argument.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { RawClient } from "./raw_client.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const BOB = "bob@example.test";
const PASSWORD = "pw-bob";

/** One row: log in first or not, the command, its status line, then what must still hold. */
const cases: {
  name: string;
  isLoggedIn: boolean;
  command: string;
  expect: RegExp;
  /** Commands and the status each must get afterwards: the state did not change. */
  after: [string, RegExp][];
}[] = [
  {
    name: "STLS with an argument is refused and TLS does not start",
    isLoggedIn: false,
    command: "STLS now",
    expect: /^-ERR STLS takes no arguments$/,
    after: [["STLS", /^\+OK Begin TLS/]],
  },
  {
    name: "CAPA with an argument is refused",
    isLoggedIn: false,
    command: "CAPA all",
    expect: /^-ERR CAPA takes no arguments$/,
    after: [["USER " + BOB, /^\+OK/]],
  },
  {
    name: "QUIT with an argument is refused in AUTHORIZATION and the session goes on",
    isLoggedIn: false,
    command: "QUIT now",
    expect: /^-ERR QUIT takes no arguments$/,
    after: [["USER " + BOB, /^\+OK/]],
  },
  {
    name: "STAT with an argument is refused",
    isLoggedIn: true,
    command: "STAT 1",
    expect: /^-ERR STAT takes no arguments$/,
    after: [["STAT", /^\+OK 0 0$/]],
  },
  {
    name: "RSET with an argument is refused and unmarks nothing",
    isLoggedIn: true,
    command: "RSET 1",
    expect: /^-ERR RSET takes no arguments$/,
    after: [["STAT", /^\+OK 0 0$/]],
  },
  {
    name: "NOOP with an argument is refused",
    isLoggedIn: true,
    command: "NOOP 1",
    expect: /^-ERR NOOP takes no arguments$/,
    after: [["STAT", /^\+OK 0 0$/]],
  },
  {
    name: "QUIT with an argument is refused in TRANSACTION and removes nothing",
    isLoggedIn: true,
    command: "QUIT 1",
    expect: /^-ERR QUIT takes no arguments$/,
    after: [["RSET", /^\+OK/], ["STAT", /^\+OK 1 /]],
  },
  {
    name: "a trailing space is no argument",
    isLoggedIn: true,
    command: "STAT ",
    expect: /^\+OK 0 0$/,
    after: [["RSET ", /^\+OK/], ["STAT", /^\+OK 1 /]],
  },
];

async function withServer(test: (server: Server) => Promise<void>): Promise<void> {
  const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    flags: ["--insecure-auth", `--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
  });
  try {
    await test(server);
  } finally {
    await server.stop();
  }
}

Deno.test({
  name: "POP3 commands without arguments refuse one and change nothing",
  ignore: !HAS_OPENSSL,
  fn: () =>
    withServer(async (server) => {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "alice@remote.test",
        rcpts: [BOB],
        messages: ["Subject: one\r\n\r\nbody\r\n"],
      });
      await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "delivery");
      for (const row of cases) {
        const client = await RawClient.connect(server.ports.pop3!);
        try {
          assert.match((await client.line())!, /^\+OK /);
          if (row.isLoggedIn) {
            assert.match(await client.command(`USER ${BOB}`), /^\+OK/);
            assert.match(await client.command(`PASS ${PASSWORD}`), /^\+OK/);
            // The one message is marked: STAT shows 0 until an RSET unmarks it.
            assert.match(await client.command("DELE 1"), /^\+OK/);
          }
          assert.match(await client.command(row.command), row.expect, row.name);
          for (const [command, expect] of row.after) {
            assert.match(await client.command(command), expect, `${row.name}: then ${command}`);
          }
        } finally {
          client.close();
        }
      }
      const stored = maildirFiles(server.spoolDir, BOB).length +
        maildirFiles(server.spoolDir, BOB, "cur").length;
      assert.equal(stored, 1, "nothing was removed");
    }),
});
