/**
 * Every POP3 command in every state, on a fresh connection each time
 * (RFC 1939): a command the state does not allow gets -ERR and changes
 * nothing; message numbers that are 0, negative, huge, not numbers or
 * marked deleted get -ERR; and afterwards the session is still usable and
 * in the state the RFC says (AUTHORIZATION or TRANSACTION, the USER name
 * kept for PASS or not, the DELE marks).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { maildirFiles, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const BOB = "bob@example.test";
const PASSWORD = "bob-pw";
const MESSAGES = 3;

/** What a probe can see of a session. */
interface Situation {
  state: "authorization" | "transaction";
  /** USER was accepted and PASS may follow. */
  hasUser: boolean;
  isTls: boolean;
  /** Messages marked by DELE. */
  marked: number;
}

/** Reads a status line and, for a multi-line +OK, the lines up to ".". */
async function reply(client: RawClient, isMulti: boolean): Promise<string> {
  const status = (await client.line()) ?? "(closed)";
  if (isMulti && status.startsWith("+OK")) {
    while (true) {
      const line = await client.line();
      if (line === null) throw new Error("closed inside a multi-line reply");
      if (line === ".") break;
    }
  }
  return status;
}

async function say(client: RawClient, line: string, expect?: RegExp, isMulti = false) {
  await client.send(line + "\r\n");
  const status = await reply(client, isMulti);
  if (expect) assert.match(status, expect, `${line} -> ${status}`);
  return status;
}

const logIn = async (c: RawClient) => {
  await say(c, `USER ${BOB}`, /^\+OK/);
  await say(c, `PASS ${PASSWORD}`, /^\+OK/);
};

interface State {
  prelude: (client: RawClient, caCert: string) => Promise<void>;
  is: Situation;
}

const AUTHORIZATION: Situation = {
  state: "authorization",
  hasUser: false,
  isTls: false,
  marked: 0,
};
const TRANSACTION: Situation = { state: "transaction", hasUser: false, isTls: false, marked: 0 };
const STATES: Record<string, State> = {
  "AUTHORIZATION": { prelude: async () => {}, is: AUTHORIZATION },
  "after USER": {
    prelude: async (c) => void await say(c, `USER ${BOB}`, /^\+OK/),
    is: { ...AUTHORIZATION, hasUser: true },
  },
  "after a failed PASS": {
    prelude: async (c) => {
      await say(c, `USER ${BOB}`, /^\+OK/);
      await say(c, "PASS wrong", /^-ERR/);
    },
    is: AUTHORIZATION,
  },
  "after STLS": {
    prelude: async (c, ca) => {
      await say(c, "STLS", /^\+OK/);
      await c.startTls(ca);
    },
    is: { ...AUTHORIZATION, isTls: true },
  },
  "TRANSACTION": { prelude: logIn, is: TRANSACTION },
  "TRANSACTION after DELE 2": {
    prelude: async (c) => {
      await logIn(c);
      await say(c, "DELE 2", /^\+OK/);
    },
    is: { ...TRANSACTION, marked: 1 },
  },
};

interface Outcome {
  status: RegExp;
  after?: Partial<Situation> | "closed";
  isMulti?: boolean;
  then?: (client: RawClient, caCert: string) => Promise<void>;
}

const ERR: Outcome = { status: /^-ERR / };
const OK_MULTI: Outcome = { status: /^\+OK/, isMulti: true };

type Rule = (s: Situation) => Outcome;
/** In TRANSACTION only; -ERR and no change in AUTHORIZATION (RFC 1939 3). */
const inTransaction = (rule: Rule): Rule => (s) => s.state === "transaction" ? rule(s) : ERR;
const inAuthorization = (rule: Rule): Rule => (s) => s.state === "authorization" ? rule(s) : ERR;
/** Message 2 is the one the DELE state marks. */
const unlessMarked = (outcome: Outcome): Rule => (s) => s.marked > 0 ? ERR : outcome;

const HUGE = "99999999999999999999999";
const COMMANDS: Record<string, Rule> = {
  [`USER ${BOB}`]: inAuthorization(() => ({ status: /^\+OK/, after: { hasUser: true } })),
  "USER": inAuthorization(() => ERR),
  [`PASS ${PASSWORD}`]: inAuthorization((s) =>
    s.hasUser ? { status: /^\+OK/, after: { state: "transaction", hasUser: false } } : ERR
  ),
  "PASS wrong": inAuthorization(() => ({ status: /^-ERR /, after: { hasUser: false } })),
  "APOP bob@example.test c4c9334bac560ecc979e58001b3e22fb": () => ERR,
  "AUTH": inAuthorization(() => OK_MULTI),
  [`AUTH PLAIN ${btoa(`\0${BOB}\0${PASSWORD}`)}`]: inAuthorization(() => ({
    status: /^\+OK/,
    after: { state: "transaction", hasUser: false },
  })),
  "AUTH CRAM-MD5": inAuthorization(() => ERR),
  "STLS": inAuthorization((s) =>
    s.isTls ? ERR : {
      status: /^\+OK/,
      after: { isTls: true, hasUser: false },
      then: async (c, ca) => await c.startTls(ca),
    }
  ),
  "CAPA": () => OK_MULTI,
  "STAT": inTransaction(() => ({ status: /^\+OK \d+ \d+$/ })),
  "LIST": inTransaction(() => OK_MULTI),
  "LIST 1": inTransaction(() => ({ status: /^\+OK 1 \d+$/ })),
  "LIST 2": inTransaction(unlessMarked({ status: /^\+OK 2 \d+$/ })),
  "LIST 4": inTransaction(() => ERR),
  "LIST 0": inTransaction(() => ERR),
  "LIST -1": inTransaction(() => ERR),
  [`LIST ${HUGE}`]: inTransaction(() => ERR),
  "LIST x": inTransaction(() => ERR),
  "LIST 1 2": inTransaction(() => ERR),
  "UIDL": inTransaction(() => OK_MULTI),
  "UIDL 1": inTransaction(() => ({ status: /^\+OK 1 \S+$/ })),
  "UIDL 2": inTransaction(unlessMarked({ status: /^\+OK 2 \S+$/ })),
  "UIDL 0": inTransaction(() => ERR),
  [`UIDL ${HUGE}`]: inTransaction(() => ERR),
  "RETR 1": inTransaction(() => OK_MULTI),
  "RETR 2": inTransaction(unlessMarked(OK_MULTI)),
  "RETR": inTransaction(() => ERR),
  "RETR 0": inTransaction(() => ERR),
  "RETR -1": inTransaction(() => ERR),
  [`RETR ${HUGE}`]: inTransaction(() => ERR),
  "RETR 1 1": inTransaction(() => ERR),
  "TOP 1 0": inTransaction(() => OK_MULTI),
  [`TOP 1 ${HUGE}`]: inTransaction(() => OK_MULTI),
  "TOP 2 0": inTransaction(unlessMarked(OK_MULTI)),
  "TOP 1": inTransaction(() => ERR),
  "TOP 1 -1": inTransaction(() => ERR),
  "TOP 0 1": inTransaction(() => ERR),
  "TOP": inTransaction(() => ERR),
  "DELE 1": inTransaction((s) => ({ status: /^\+OK/, after: { marked: s.marked + 1 } })),
  "DELE 2": inTransaction(unlessMarked({ status: /^\+OK/, after: { marked: 1 } })),
  "DELE": inTransaction(() => ERR),
  "DELE 0": inTransaction(() => ERR),
  "DELE -1": inTransaction(() => ERR),
  [`DELE ${HUGE}`]: inTransaction(() => ERR),
  "DELE 1 2": inTransaction(() => ERR),
  "RSET": inTransaction(() => ({ status: /^\+OK/, after: { marked: 0 } })),
  "NOOP": inTransaction(() => ({ status: /^\+OK/ })),
  "QUIT": () => ({ status: /^\+OK/, after: "closed" }),
  "XYZZY": () => ERR,
  "": () => ERR,
};

/** Finds out the state of a session that is still open (and ends up logged in). */
async function probe(client: RawClient, hasFailedLogin: boolean): Promise<Situation> {
  const noop = await say(client, "NOOP");
  if (noop.startsWith("+OK")) {
    const stat = await say(client, "STAT", /^\+OK \d+ /);
    const count = Number(stat.split(" ")[1]);
    return { state: "transaction", hasUser: false, isTls: false, marked: MESSAGES - count };
  }
  assert.match(noop, /^-ERR /, "NOOP");
  const capa: string[] = [];
  await client.send("CAPA\r\n");
  assert.match((await client.line())!, /^\+OK/);
  for (let line = await client.line(); line !== "."; line = await client.line()) {
    capa.push(line ?? "(closed)");
  }
  const pass = await say(client, `PASS ${PASSWORD}`);
  // The login brake counts a wrong password; a good one for the same account forgives it.
  if (!pass.startsWith("+OK") && hasFailedLogin) await logIn(client);
  return {
    state: "authorization",
    hasUser: pass.startsWith("+OK"),
    isTls: !capa.includes("STLS"),
    marked: 0,
  };
}

async function playAll(server: Server, caCert: string): Promise<string[]> {
  const failures: string[] = [];
  let sessions = 0;
  for (const [stateName, state] of Object.entries(STATES)) {
    for (const [line, rule] of Object.entries(COMMANDS)) {
      const outcome = rule(state.is);
      const where = `${stateName} / ${JSON.stringify(line)}`;
      // One POP3 session per mailbox: the last one must have let go of it.
      await waitUntil(
        () => server.log().split("event=pop3.disconnect").length - 1 === sessions,
        10_000,
        "the previous session's end",
      );
      sessions++;
      const client = await RawClient.connect(server.ports.pop3!);
      try {
        assert.match((await client.line())!, /^\+OK /);
        await state.prelude(client, caCert);
        const status = await say(client, line, undefined, outcome.isMulti);
        if (!outcome.status.test(status)) {
          failures.push(`${where}: got ${status}, want ${outcome.status}`);
          continue;
        }
        await outcome.then?.(client, caCert);
        if (outcome.after === "closed") {
          if (!await client.isClosed()) failures.push(`${where}: still open`);
          if (state.is.marked > 0) await refill(server, sessions);
          continue;
        }
        const want = { ...state.is, ...outcome.after };
        const seen = await probe(
          client,
          stateName === "after a failed PASS" || line === "PASS wrong",
        );
        if (want.state === "transaction") seen.isTls = want.isTls; // not visible there
        if (JSON.stringify(seen) !== JSON.stringify(want)) {
          failures.push(`${where}: then ${JSON.stringify(seen)}, want ${JSON.stringify(want)}`);
        }
      } catch (error) {
        failures.push(`${where}: ${error instanceof Error ? error.message : error}`);
      } finally {
        client.close();
      }
    }
  }
  return failures;
}

/** QUIT after DELE removed a message: another takes its place. */
async function refill(server: Server, sessions: number): Promise<void> {
  await waitUntil(
    () => server.log().split("event=pop3.disconnect").length - 1 === sessions,
    10_000,
    "the UPDATE",
  );
  await deliver(server, 1);
}

async function deliver(server: Server, count: number): Promise<void> {
  const stored = () =>
    maildirFiles(server.spoolDir, BOB).length + maildirFiles(server.spoolDir, BOB, "cur").length;
  const before = stored();
  await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: [BOB],
    messages: Array.from({ length: count }, (_, i) => `Subject: m${i}\r\n\r\nline\r\nline\r\n`),
  });
  await waitUntil(() => stored() === before + count, 10_000, "delivery");
}

Deno.test({
  name: "POP3: every command in every state gets +OK or -ERR as RFC 1939 says, state kept",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { [BOB]: PASSWORD },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`, "--insecure-auth"],
    });
    try {
      await deliver(server, MESSAGES);
      const failures = await playAll(server, Deno.readTextFileSync(certs.caFile));
      assert.deepEqual(failures, []);
    } finally {
      await server.stop();
    }
  },
});
