/** What a queued message's sender asked to be told (RFC 3461), read from its envelope. */
import assert from "node:assert/strict";
import {
  asksForSuccess,
  decodeQueueFile,
  type Envelope,
  originalRecipientOf,
  wantsNotice,
} from "../../src/spool/mod.ts";

const encoder = new TextEncoder();

Deno.test("a queue file written before DSN was kept still loads, asking for the old notices", () => {
  // The envelope line exactly as the code before RFC 3461 support wrote it.
  const line = 'PBQ1 {"qid":"1a2b3c","from":"alice@example.test","rcpts":["bob@remote.test"],' +
    '"arrivalMs":1790000000000,"source":"smtp","clientIp":"127.0.0.1","helo":"client.test"}\n';
  const { envelope, messageOffset } = decodeQueueFile(encoder.encode(line + "Subject: x\r\n\r\n"));
  assert.equal(messageOffset, line.length);
  assert.equal(envelope.ret, undefined);
  assert.equal(envelope.envid, undefined);
  assert.equal(wantsNotice(envelope, "bob@remote.test", "FAILURE"), true);
  assert.equal(wantsNotice(envelope, "bob@remote.test", "DELAY"), true);
  assert.equal(wantsNotice(envelope, "bob@remote.test", "SUCCESS"), false);
  assert.equal(asksForSuccess(envelope), false);
  assert.equal(originalRecipientOf(envelope, "bob@remote.test"), undefined);
});

const base: Envelope = {
  qid: "Q",
  from: "alice@example.test",
  rcpts: ["a@x.test", "b@x.test", "c@x.test", "d@x.test"],
  arrivalMs: 1,
  source: "smtp",
  rcptDsn: {
    "a@x.test": { notify: ["NEVER"] },
    "b@x.test": { notify: ["SUCCESS"], orcpt: "rfc822;B@x.test" },
    "c@x.test": { orcpt: "rfc822;team@x.test" },
  },
};

const cases: { rcpt: string; kind: "SUCCESS" | "FAILURE" | "DELAY"; expected: boolean }[] = [
  { rcpt: "a@x.test", kind: "FAILURE", expected: false },
  { rcpt: "a@x.test", kind: "DELAY", expected: false },
  { rcpt: "a@x.test", kind: "SUCCESS", expected: false },
  { rcpt: "b@x.test", kind: "SUCCESS", expected: true },
  { rcpt: "b@x.test", kind: "FAILURE", expected: false },
  { rcpt: "b@x.test", kind: "DELAY", expected: false },
  { rcpt: "c@x.test", kind: "FAILURE", expected: true },
  { rcpt: "c@x.test", kind: "DELAY", expected: true },
  { rcpt: "c@x.test", kind: "SUCCESS", expected: false },
  { rcpt: "d@x.test", kind: "FAILURE", expected: true },
  { rcpt: "d@x.test", kind: "SUCCESS", expected: false },
];
for (const c of cases) {
  Deno.test(`wantsNotice() ${c.rcpt} ${c.kind}: ${c.expected}`, () => {
    assert.equal(wantsNotice(base, c.rcpt, c.kind), c.expected);
  });
}

Deno.test("asksForSuccess() sees a SUCCESS or an expansion", () => {
  assert.equal(asksForSuccess(base), true);
  const { rcptDsn: _, ...plain } = base;
  assert.equal(asksForSuccess(plain), false);
  assert.equal(asksForSuccess({ ...plain, expanded: [{ rcpt: "team@x.test" }] }), true);
  // NOTIFY without SUCCESS, or an empty list of expanded aliases, asks for no success notice.
  const failureOnly = { "a@x.test": { notify: ["FAILURE", "DELAY"] }, "b@x.test": { notify: [] } };
  assert.equal(asksForSuccess({ ...plain, rcptDsn: failureOnly } as Envelope), false);
  assert.equal(asksForSuccess({ ...plain, expanded: [] }), false);
});

Deno.test("originalRecipientOf() gives the ORCPT kept", () => {
  assert.equal(originalRecipientOf(base, "b@x.test"), "rfc822;B@x.test");
  assert.equal(originalRecipientOf(base, "d@x.test"), undefined);
});
