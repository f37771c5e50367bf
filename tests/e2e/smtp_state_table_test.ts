/**
 * Every SMTP command in every session state, on a fresh connection each
 * time: the reply code must be one RFC 5321 4.3.2 allows for that command
 * (503 out of sequence, 501 syntax, 502 not implemented), and afterwards
 * the session must be usable and in the state RFC 5321 4.1.4 (RSET keeps
 * the greeting, EHLO ends the transaction), RFC 3207 4.2 (STARTTLS forgets
 * everything) and RFC 4954 4 (no AUTH in a transaction, no second AUTH) say.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { type Server, startServer, tempDir } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

/** What a probe can see of a session. */
interface Situation {
  stage: "fresh" | "greeted" | "transaction";
  isAuthenticated: boolean;
  isTls: boolean;
}

const AUTH_LINE = `AUTH PLAIN ${btoa("\0bob@example.test\0bob-pw")}`;
const MESSAGE = "Subject: states\r\n\r\nhello\r\n.\r\n";

/** Sends `line` and returns the last line of the reply. */
async function say(client: RawClient, line: string, expect?: RegExp): Promise<string> {
  const reply = await client.command(line);
  if (expect) assert.match(reply, expect, `${line.slice(0, 40)} -> ${reply}`);
  return reply;
}

interface State {
  /** The prelude sends a wrong password (the probe logs in after, to reset the brake). */
  hasFailedLogin?: boolean;
  /** Commands that lead from the greeting to this state. */
  prelude: (client: RawClient, caCert: string) => Promise<void>;
  is: Situation;
}

const greeted = async (client: RawClient) => void await say(client, "EHLO c.test", /^250 /);
const inMail = async (client: RawClient) => {
  await greeted(client);
  await say(client, "MAIL FROM:<bob@example.test>", /^250 /);
};
const inTls = async (client: RawClient, caCert: string) => {
  await greeted(client);
  await say(client, "STARTTLS", /^220 /);
  await client.startTls(caCert);
};

const PLAIN = { isAuthenticated: false, isTls: false };
const STATES: Record<string, State> = {
  "before EHLO": { prelude: async () => {}, is: { stage: "fresh", ...PLAIN } },
  "after EHLO": { prelude: greeted, is: { stage: "greeted", ...PLAIN } },
  "after HELO": {
    prelude: async (c) => void await say(c, "HELO c.test", /^250 /),
    is: { stage: "greeted", ...PLAIN },
  },
  "after AUTH": {
    prelude: async (c) => {
      await greeted(c);
      await say(c, AUTH_LINE, /^235 /);
    },
    is: { stage: "greeted", isAuthenticated: true, isTls: false },
  },
  // RFC 5321 3.3: a refused MAIL starts no transaction.
  "after a refused MAIL": {
    prelude: async (c) => {
      await greeted(c);
      await say(c, "MAIL FROM:<bob@example.test> SIZE=99999999999", /^552 /);
    },
    is: { stage: "greeted", ...PLAIN },
  },
  // RFC 4954 4: a failed or cancelled AUTH leaves the client free to try again.
  "after a refused AUTH": {
    prelude: async (c) => {
      await greeted(c);
      await say(c, `AUTH PLAIN ${btoa("\0bob@example.test\0wrong")}`, /^535 /);
    },
    is: { stage: "greeted", ...PLAIN },
    hasFailedLogin: true,
  },
  "after a cancelled AUTH": {
    prelude: async (c) => {
      await greeted(c);
      await say(c, "AUTH LOGIN", /^334 /);
      await say(c, "*", /^501 /);
    },
    is: { stage: "greeted", ...PLAIN },
  },
  "after MAIL": { prelude: inMail, is: { stage: "transaction", ...PLAIN } },
  "after RCPT": {
    prelude: async (c) => {
      await inMail(c);
      await say(c, "RCPT TO:<bob@example.test>", /^250 /);
    },
    is: { stage: "transaction", ...PLAIN },
  },
  "after a refused RCPT": {
    prelude: async (c) => {
      await inMail(c);
      await say(c, "RCPT TO:<nobody@example.test>", /^550 /);
    },
    is: { stage: "transaction", ...PLAIN },
  },
  "after a refused DATA": {
    prelude: async (c) => {
      await inMail(c);
      await say(c, "DATA", /^503 /);
    },
    is: { stage: "transaction", ...PLAIN },
  },
  "after RSET": {
    prelude: async (c) => {
      await inMail(c);
      await say(c, "RCPT TO:<bob@example.test>", /^250 /);
      await say(c, "RSET", /^250 /);
    },
    is: { stage: "greeted", ...PLAIN },
  },
  "after a message": {
    prelude: async (c) => {
      await inMail(c);
      await say(c, "RCPT TO:<bob@example.test>", /^250 /);
      await say(c, "DATA", /^354 /);
      await say(c, MESSAGE.slice(0, -2), /^250 /);
    },
    is: { stage: "greeted", ...PLAIN },
  },
  "after AUTH, in a transaction": {
    prelude: async (c) => {
      await greeted(c);
      await say(c, AUTH_LINE, /^235 /);
      await say(c, "MAIL FROM:<bob@example.test>", /^250 /);
    },
    is: { stage: "transaction", isAuthenticated: true, isTls: false },
  },
  "after STARTTLS, before EHLO": {
    prelude: inTls,
    is: { stage: "fresh", isAuthenticated: false, isTls: true },
  },
  "after STARTTLS and EHLO": {
    prelude: async (c, ca) => {
      await inTls(c, ca);
      await greeted(c);
    },
    is: { stage: "greeted", isAuthenticated: false, isTls: true },
  },
};

/** The reply a command must get in a state and what the state is afterwards. */
interface Outcome {
  code: RegExp;
  after?: Partial<Situation> | "closed";
  /** Run after the reply when it is the positive one (DATA's message, STARTTLS's handshake). */
  then?: (client: RawClient, caCert: string) => Promise<void>;
}

/** The states with an accepted recipient, where DATA and BDAT take a message. */
const WITH_RECIPIENT = new Set(["after RCPT", "after AUTH and RCPT"]);
const BAD_SEQUENCE: Outcome = { code: /^503 5\.5\.1 / };

/** Command -> the outcome in a state (on port 25 or a submission port). */
const COMMANDS: Record<string, (s: Situation, state: string, port: Port) => Outcome> = {
  "EHLO c.test": () => ({ code: /^250 /, after: { stage: "greeted" } }),
  "HELO c.test": () => ({ code: /^250 /, after: { stage: "greeted" } }),
  "EHLO": () => ({ code: /^501 5\.5\.4 / }),
  "MAIL FROM:<bob@example.test>": (s, _state, port) => {
    if (s.stage !== "greeted") return BAD_SEQUENCE;
    // RFC 6409 4.3 / RFC 4954 6: submission needs AUTH first; the session stays as it was.
    if (port === "submission" && !s.isAuthenticated) return { code: /^530 5\.7\.0 / };
    return { code: /^250 /, after: { stage: "transaction" } };
  },
  "MAIL FROM:bob": (s) => s.stage === "greeted" ? { code: /^501 / } : BAD_SEQUENCE,
  "RCPT TO:<bob@example.test>": (s) => s.stage === "transaction" ? { code: /^250 / } : BAD_SEQUENCE,
  "DATA": (_s, state) => {
    if (WITH_RECIPIENT.has(state)) {
      return {
        code: /^354 /,
        after: { stage: "greeted" },
        then: async (c) => void await say(c, MESSAGE.slice(0, -2), /^250 /),
      };
    }
    // RFC 5321 3.3: with every RCPT refused, 554 "no valid recipients" or 503.
    return state === "after a refused RCPT" ? { code: /^(554|503) / } : BAD_SEQUENCE;
  },
  // Sequence before syntax is as good as the other way round: both refuse.
  "DATA now": (s) => s.stage === "fresh" ? BAD_SEQUENCE : { code: /^(501|503|554) / },
  "BDAT 7 LAST\r\nhello\r\n": (s, state) => {
    if (WITH_RECIPIENT.has(state)) return { code: /^250 /, after: { stage: "greeted" } };
    return s.stage === "transaction" ? { code: /^(554|503) / } : BAD_SEQUENCE;
  },
  "RSET": (s) => ({ code: /^250 /, after: s.stage === "fresh" ? {} : { stage: "greeted" } }),
  "RSET now": () => ({ code: /^501 / }),
  "NOOP": () => ({ code: /^250 / }),
  "NOOP with a string": () => ({ code: /^250 / }),
  "VRFY bob": () => ({ code: /^(250|251|252|550|553|502|504) / }),
  "VRFY": () => ({ code: /^501 / }),
  "EXPN staff": () => ({ code: /^(250|252|550|500|502|504) / }),
  "HELP": () => ({ code: /^(211|214) / }),
  "HELP MAIL": () => ({ code: /^(211|214) / }),
  "XYZZY": () => ({ code: /^500 / }),
  "QUIT": () => ({ code: /^221 /, after: "closed" }),
  "QUIT now": () => ({ code: /^501 / }),
  "STARTTLS": (s) =>
    s.stage === "greeted" && !s.isTls
      ? {
        code: /^220 /,
        after: { stage: "fresh", isAuthenticated: false, isTls: true },
        then: async (c, ca) => await c.startTls(ca),
      }
      : BAD_SEQUENCE,
  [AUTH_LINE]: (s) =>
    s.stage === "greeted" && !s.isAuthenticated
      ? { code: /^235 /, after: { isAuthenticated: true } }
      : BAD_SEQUENCE,
  "AUTH PLAIN\r\n*": (s) =>
    s.stage === "greeted" && !s.isAuthenticated
      ? { code: /^334 /, then: async (c) => void await c.reply().then(expectCode(/^501 /)) }
      // The "*" is then a command of its own, unknown.
      : { ...BAD_SEQUENCE, then: async (c) => void await c.reply().then(expectCode(/^500 /)) },
  [`AUTH PLAIN ${btoa("\0bob@example.test\0wrong")}`]: (s) =>
    s.stage === "greeted" && !s.isAuthenticated ? { code: /^535 5\.7\.8 / } : BAD_SEQUENCE,
  "AUTH": (s) => s.stage === "greeted" && !s.isAuthenticated ? { code: /^501 / } : BAD_SEQUENCE,
  "AUTH CRAM-MD5": (s) =>
    s.stage === "greeted" && !s.isAuthenticated ? { code: /^504 / } : BAD_SEQUENCE,
};

function expectCode(code: RegExp): (lines: string[]) => void {
  return (lines) => assert.match(lines.at(-1)!, code);
}

/** The wire line for a command key (the keys name a few variants in words). */
function wireLine(key: string): string {
  const words: Record<string, string> = {
    "DATA now": "DATA now",
    "RSET now": "RSET now",
    "QUIT now": "QUIT now",
    "NOOP with a string": "NOOP are you there",
  };
  return words[key] ?? key;
}

/** Finds out what state the session is in; only for a session that is still open. */
async function probe(client: RawClient): Promise<Situation> {
  await say(client, "NOOP", /^250 /);
  const mail = await say(client, "MAIL FROM:<bob@example.test>");
  let stage: Situation["stage"];
  if (/^(250|530) /.test(mail)) stage = "greeted";
  else if (/^503 .*HELO or EHLO first/.test(mail)) stage = "fresh";
  else if (/^503 /.test(mail)) stage = "transaction";
  else throw new Error(`probe MAIL: ${mail}`);
  await client.send("EHLO probe.test\r\n");
  const keywords = (await client.reply()).slice(1).map((line) => line.slice(4));
  return {
    stage,
    isAuthenticated: !keywords.some((k) => k.startsWith("AUTH ")),
    isTls: !keywords.includes("STARTTLS"),
  };
}

type Port = "smtp" | "submission";

async function playAll(
  server: Server,
  caCert: string,
  port: Port,
  states: Record<string, State>,
): Promise<string[]> {
  const failures: string[] = [];
  for (const [stateName, state] of Object.entries(states)) {
    for (const [key, rule] of Object.entries(COMMANDS)) {
      const outcome = rule(state.is, stateName, port);
      const client = await RawClient.connect(server.ports[port]!);
      const where = `${stateName} / ${JSON.stringify(wireLine(key))}`;
      try {
        await client.reply();
        await state.prelude(client, caCert);
        const line = wireLine(key);
        const reply = await say(client, line.endsWith("\r\n") ? line.slice(0, -2) : line);
        if (!outcome.code.test(reply)) {
          failures.push(`${where}: got ${reply}, want ${outcome.code}`);
          continue;
        }
        await outcome.then?.(client, caCert);
        if (outcome.after === "closed") {
          if (!await client.isClosed()) failures.push(`${where}: still open`);
          continue;
        }
        const want = { ...state.is, ...outcome.after };
        const seen = await probe(client);
        // The login brake counts the prelude's wrong password; a good one forgives it.
        if (state.hasFailedLogin && !seen.isAuthenticated) await say(client, AUTH_LINE, /^235 /);
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
  name: "SMTP: every command in every state gets an RFC 5321 reply and leaves the right state",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { "bob@example.test": "bob-pw" },
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--insecure-auth",
      ],
    });
    try {
      const failures = await playAll(server, Deno.readTextFileSync(certs.caFile), "smtp", STATES);
      assert.deepEqual(failures, []);
    } finally {
      await server.stop();
    }
  },
});

/** Submission: the states a client reaches there (a transaction only after AUTH). */
const SUBMISSION_STATES: Record<string, State> = {
  "before EHLO": STATES["before EHLO"]!,
  "after EHLO": STATES["after EHLO"]!,
  "after AUTH": STATES["after AUTH"]!,
  "after AUTH, in a transaction": STATES["after AUTH, in a transaction"]!,
  "after AUTH and RCPT": {
    prelude: async (c) => {
      await STATES["after AUTH, in a transaction"]!.prelude(c, "");
      await say(c, "RCPT TO:<bob@example.test>", /^250 /);
    },
    is: { stage: "transaction", isAuthenticated: true, isTls: false },
  },
  "after STARTTLS, before EHLO": STATES["after STARTTLS, before EHLO"]!,
  "after STARTTLS and EHLO": STATES["after STARTTLS and EHLO"]!,
};

Deno.test({
  name: "submission: every command in every state, MAIL before AUTH refused with 530",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { "bob@example.test": "bob-pw" },
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--insecure-auth",
      ],
    });
    try {
      const caCert = Deno.readTextFileSync(certs.caFile);
      const failures = await playAll(server, caCert, "submission", SUBMISSION_STATES);
      assert.deepEqual(failures, []);
    } finally {
      await server.stop();
    }
  },
});
