/**
 * Every IMAP command (RFC 3501, RFC 9051 and the extensions CAPABILITY
 * advertises) in every state, on a fresh connection each time: a command
 * the state does not allow gets BAD (RFC 9051 6), a failure NO, and every
 * tagged response carries the command's own tag; afterwards the session is
 * usable and in the state the RFC says (SELECT/EXAMINE of a missing mailbox
 * leaves none selected, CLOSE and UNSELECT return to authenticated, LOGOUT
 * ends the connection and nothing after it is answered).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { type Server, startServer, tempDir } from "./harness.ts";
import { untilTagged } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const BOB = "bob@example.test";
const PASSWORD = "bob-pw";
const IN_INBOX = 3;

type Stage = "not-authenticated" | "authenticated" | "read-write" | "read-only";
interface Situation {
  stage: Stage;
  isTls: boolean;
}

let tagCount = 0;
/** Sends `line` under a new tag; returns every line up to the tagged one (which must carry it). */
async function run(client: RawClient, line: string, continuation?: string): Promise<string[]> {
  const tag = `t${++tagCount}`;
  await client.send(`${tag} ${line}\r\n`);
  if (continuation === undefined) return await untilTagged(client, tag);
  const first = await client.line();
  if (first === null) throw new Error("closed");
  if (!first.startsWith("+")) {
    return first.startsWith(tag + " ") ? [first] : [first, ...await untilTagged(client, tag)];
  }
  await client.send(continuation + "\r\n");
  return [first, ...await untilTagged(client, tag)];
}

/** The tagged line's status: OK, NO or BAD (with the tag checked). */
function statusOf(lines: string[]): string {
  const last = lines.at(-1)!;
  return /^t\d+ (OK|NO|BAD)\b/.exec(last)?.[1] ?? `?${last}`;
}

async function expectStatus(client: RawClient, line: string, status: string): Promise<string[]> {
  const lines = await run(client, line);
  assert.equal(statusOf(lines), status, `${line} -> ${lines.at(-1)}`);
  return lines;
}

const logIn = async (c: RawClient) => void await expectStatus(c, `LOGIN ${BOB} ${PASSWORD}`, "OK");
async function open(c: RawClient, verb: "SELECT" | "EXAMINE") {
  await logIn(c);
  // Rows that MOVE or EXPUNGE take messages away: top INBOX up first.
  const status = await expectStatus(c, "STATUS INBOX (MESSAGES)", "OK");
  const count = Number(/MESSAGES (\d+)/.exec(status.join(" "))![1]);
  for (let i = count; i < IN_INBOX; i++) {
    await expectStatus(c, "APPEND INBOX {14+}\r\nSubject: x\r\n\r\n", "OK");
  }
  await expectStatus(c, `${verb} INBOX`, "OK");
}

interface State {
  prelude: (client: RawClient, caCert: string) => Promise<void>;
  is: Situation;
}

const STATES: Record<string, State> = {
  "not authenticated": {
    prelude: async () => {},
    is: { stage: "not-authenticated", isTls: false },
  },
  "not authenticated, after STARTTLS": {
    prelude: async (c, ca) => {
      await expectStatus(c, "STARTTLS", "OK");
      await c.startTls(ca);
    },
    is: { stage: "not-authenticated", isTls: true },
  },
  "authenticated": { prelude: logIn, is: { stage: "authenticated", isTls: false } },
  "selected read-write": {
    prelude: (c) => open(c, "SELECT"),
    is: { stage: "read-write", isTls: false },
  },
  "selected read-only": {
    prelude: (c) => open(c, "EXAMINE"),
    is: { stage: "read-only", isTls: false },
  },
};

interface Outcome {
  /** Allowed tagged statuses. */
  status: readonly string[];
  after?: Partial<Situation> | "closed";
  then?: (client: RawClient, caCert: string) => Promise<void>;
  continuation?: string;
}

const BAD: Outcome = { status: ["BAD"] };
const OK: Outcome = { status: ["OK"] };
const NO: Outcome = { status: ["NO"] };
type Rule = (s: Situation) => Outcome;
const loggedIn = (rule: Rule): Rule => (s) => s.stage === "not-authenticated" ? BAD : rule(s);
const selected = (rule: Rule): Rule => (s) =>
  s.stage === "read-write" || s.stage === "read-only" ? rule(s) : BAD;
const preAuth = (rule: Rule): Rule => (s) => s.stage === "not-authenticated" ? rule(s) : BAD;
/** NO [READ-ONLY] in an EXAMINEd mailbox. */
const writable = (outcome: Outcome): Rule => (s) => s.stage === "read-only" ? NO : outcome;

const PLAIN_IR = btoa(`\0${BOB}\0${PASSWORD}`);
const COMMANDS: Record<string, Rule> = {
  "CAPABILITY": () => OK,
  "NOOP": () => OK,
  "LOGOUT": () => ({ status: ["OK"], after: "closed" }),
  "ID NIL": () => OK,
  'ID ("name" "probe")': () => OK,
  // RFC 5161 3.1 and RFC 9051 6.3.1: in the authenticated state; a server need not check later.
  "ENABLE CONDSTORE": (s) =>
    s.stage === "authenticated"
      ? OK
      : s.stage === "not-authenticated"
      ? BAD
      : { status: ["OK", "BAD"] },
  "STARTTLS": preAuth((s) =>
    s.isTls ? BAD : { ...OK, after: { isTls: true }, then: (c, ca) => c.startTls(ca) }
  ),
  [`LOGIN ${BOB} ${PASSWORD}`]: preAuth(() => ({ ...OK, after: { stage: "authenticated" } })),
  [`LOGIN ${BOB} wrong`]: preAuth(() => NO),
  [`AUTHENTICATE PLAIN ${PLAIN_IR}`]: preAuth(() => ({ ...OK, after: { stage: "authenticated" } })),
  "AUTHENTICATE PLAIN": preAuth(() => ({
    ...OK,
    after: { stage: "authenticated" },
    continuation: PLAIN_IR,
  })),
  "AUTHENTICATE PLAIN *": preAuth(() => ({ status: ["BAD"], continuation: "*" })),
  "AUTHENTICATE CRAM-MD5": preAuth(() => ({ status: ["NO", "BAD"] })),
  "SELECT INBOX": loggedIn(() => ({ ...OK, after: { stage: "read-write" } })),
  "EXAMINE INBOX": loggedIn(() => ({ ...OK, after: { stage: "read-only" } })),
  // RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected.
  "SELECT Nosuch": loggedIn(() => ({ ...NO, after: { stage: "authenticated" } })),
  "EXAMINE Nosuch": loggedIn(() => ({ ...NO, after: { stage: "authenticated" } })),
  "CREATE INBOX": loggedIn(() => NO),
  "DELETE Nosuch": loggedIn(() => NO),
  "DELETE INBOX": loggedIn(() => NO),
  "RENAME Nosuch Other": loggedIn(() => NO),
  "SUBSCRIBE INBOX": loggedIn(() => OK),
  "UNSUBSCRIBE Nosuch": loggedIn(() => ({ status: ["OK", "NO"] })),
  'LIST "" *': loggedIn(() => OK),
  'LIST (SUBSCRIBED) "" * RETURN (CHILDREN SPECIAL-USE)': loggedIn(() => OK),
  'LSUB "" *': loggedIn(() => OK),
  "NAMESPACE": loggedIn(() => OK),
  "STATUS INBOX (MESSAGES UIDNEXT UNSEEN)": loggedIn(() => OK),
  "STATUS Nosuch (MESSAGES)": loggedIn(() => NO),
  // RFC 9051 9: "(" status-att *(SP status-att) ")", at least one item.
  "STATUS INBOX ()": loggedIn(() => BAD),
  "APPEND Drafts {14+}\r\nSubject: x\r\n\r\n": loggedIn(() => OK),
  "APPEND Nosuch {14+}\r\nSubject: x\r\n\r\n": loggedIn(() => NO),
  "IDLE": loggedIn(() => ({ ...OK, continuation: "DONE" })),
  "CHECK": selected(() => OK),
  "CLOSE": selected(() => ({ ...OK, after: { stage: "authenticated" } })),
  "UNSELECT": selected(() => ({ ...OK, after: { stage: "authenticated" } })),
  "EXPUNGE": selected(writable(OK)),
  "UID EXPUNGE 1:*": selected(writable(OK)),
  "SEARCH ALL": selected(() => OK),
  "UID SEARCH ALL": selected(() => OK),
  "SORT (SUBJECT) UTF-8 ALL": selected(() => OK),
  "THREAD REFERENCES UTF-8 ALL": selected(() => OK),
  "UID THREAD ORDEREDSUBJECT US-ASCII ALL": selected(() => OK),
  // RFC 5256 3: an unknown algorithm is BAD.
  "THREAD FOO UTF-8 ALL": selected(() => BAD),
  "FETCH 1 (FLAGS UID)": selected(() => OK),
  "FETCH 1:* BODY.PEEK[HEADER]": selected(() => OK),
  "FETCH 0 FLAGS": selected(() => BAD),
  "FETCH 99 FLAGS": selected(() => ({ status: ["NO", "BAD"] })),
  "UID FETCH 1:* FLAGS": selected(() => OK),
  "STORE 1 +FLAGS (\\Flagged)": selected(writable(OK)),
  "UID STORE 1:* -FLAGS.SILENT (\\Flagged)": selected(writable(OK)),
  "COPY 1 Drafts": selected(() => OK),
  "UID COPY 1:* Drafts": selected(() => OK),
  "COPY 1 Nosuch": selected(() => NO),
  "MOVE 1 Trash": selected(writable(OK)),
  "UID MOVE 99999 Trash": selected(writable(OK)),
  "XYZZY": () => BAD,
  "UID XYZZY 1": () => BAD,
  "LOGIN": preAuth(() => BAD),
  "SELECT": loggedIn(() => BAD),
  "FETCH": selected(() => BAD),
};

/** Finds out the state of a session that is still open. */
async function probe(client: RawClient): Promise<Situation> {
  await expectStatus(client, "NOOP", "OK");
  const caps = (await expectStatus(client, "CAPABILITY", "OK"))[0]!.split(" ");
  const isTls = !caps.includes("STARTTLS") && caps.includes("AUTH=PLAIN");
  // CHECK is a selected-state command with no effect here.
  const check = statusOf(await run(client, "CHECK"));
  if (check === "OK") {
    const expunge = statusOf(await run(client, "EXPUNGE"));
    return { stage: expunge === "OK" ? "read-write" : "read-only", isTls: false };
  }
  // BAD before login (RFC 9051 6); after it OK, or NO if the folders cannot be read.
  const isLoggedIn = statusOf(await run(client, 'LIST "" INBOX')) !== "BAD";
  return {
    stage: isLoggedIn ? "authenticated" : "not-authenticated",
    isTls: isLoggedIn ? false : isTls,
  };
}

async function playAll(server: Server, caCert: string): Promise<string[]> {
  const failures: string[] = [];
  for (const [stateName, state] of Object.entries(STATES)) {
    for (const [line, rule] of Object.entries(COMMANDS)) {
      const outcome = rule(state.is);
      const where = `${stateName} / ${JSON.stringify(line)}`;
      const client = await RawClient.connect(server.ports.imap!);
      try {
        assert.match((await client.line())!, /^\* OK /);
        await state.prelude(client, caCert);
        const lines = await run(client, line, outcome.continuation);
        const status = statusOf(lines);
        // Every refusal of a tagged command is tagged (RFC 9051 7.1.3).
        if (lines.some((l) => l.startsWith("* BAD"))) {
          failures.push(`${where}: an untagged BAD: ${lines.join(" | ")}`);
        }
        if (!outcome.status.includes(status)) {
          failures.push(`${where}: got ${lines.at(-1)}, want ${outcome.status.join("|")}`);
          continue;
        }
        await outcome.then?.(client, caCert);
        if (outcome.after === "closed") {
          if (!await client.isClosed()) failures.push(`${where}: still open`);
          continue;
        }
        const want = { ...state.is, ...outcome.after };
        if (want.stage !== "not-authenticated") want.isTls = false; // not visible then
        const seen = await probe(client);
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

Deno.test({
  name: "IMAP: every command in every state gets OK, NO or BAD as RFC 9051 says, state kept",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { [BOB]: PASSWORD },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`, "--insecure-auth"],
    });
    try {
      const failures = await playAll(server, Deno.readTextFileSync(certs.caFile));
      assert.deepEqual(failures, []);
    } finally {
      await server.stop();
    }
  },
});

Deno.test("IMAP: nothing sent after LOGOUT is answered", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    await client.send(`a LOGIN ${BOB} ${PASSWORD}\r\nb LOGOUT\r\nc NOOP\r\nd SELECT INBOX\r\n`);
    const lines: string[] = [];
    for (let line = await client.line(); line !== null; line = await client.line()) {
      lines.push(line);
    }
    assert.match(lines.at(-1)!, /^b OK /);
    assert.ok(lines.some((line) => line.startsWith("* BYE")), lines.join(" | "));
    assert.ok(!lines.some((line) => /^[cd] /.test(line)), lines.join(" | "));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("IMAP: after LOGOUT's BYE only the tagged OK follows, no mailbox updates", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  const leaving = await RawClient.connect(server.ports.imap!);
  const other = await RawClient.connect(server.ports.imap!);
  try {
    for (const client of [leaving, other]) {
      assert.match((await client.line())!, /^\* OK /);
      await logIn(client);
    }
    await expectStatus(leaving, "APPEND INBOX {14+}\r\nSubject: x\r\n\r\n", "OK");
    await expectStatus(leaving, "SELECT INBOX", "OK");
    // Changes the leaving session has not heard of yet: an expunge and a new message.
    await expectStatus(other, "SELECT INBOX", "OK");
    await expectStatus(other, "STORE 1 +FLAGS (\\Deleted)", "OK");
    await expectStatus(other, "EXPUNGE", "OK");
    await expectStatus(other, "APPEND INBOX {14+}\r\nSubject: y\r\n\r\n", "OK");
    await leaving.send("z LOGOUT\r\n");
    const lines: string[] = [];
    for (let line = await leaving.line(); line !== null; line = await leaving.line()) {
      lines.push(line);
    }
    // RFC 9051 6.1.3 and 7.1.5: the BYE, then the tagged OK, then the connection closes.
    assert.deepEqual(lines, ["* BYE Logging out", "z OK LOGOUT completed"]);
  } finally {
    leaving.close();
    other.close();
    await server.stop();
  }
});

Deno.test("IMAP: a LOGIN answered NO leaves the session not authenticated, even when setup failed after the password", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  // The first login's account setup cannot read the subscriptions (a directory in the
  // file's place: EISDIR, as an I/O error or a lack of descriptors would fail it).
  const accountDir = `${server.spoolDir}/mail/example.test/bob`;
  await Deno.mkdir(`${accountDir}/pillarbox-subscriptions`, { recursive: true });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    const login = await run(client, `LOGIN ${BOB} ${PASSWORD}`);
    assert.equal(statusOf(login), "NO", login.join(" | "));
    // RFC 9051 6.2.3: NO is a failed login; the client is where it was before it.
    assert.equal((await probe(client)).stage, "not-authenticated");
  } finally {
    client.close();
    await server.stop();
  }
});
