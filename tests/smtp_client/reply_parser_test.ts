import assert from "node:assert/strict";
import {
  describeReply,
  isContradictory,
  ReplyAssembler,
  type ServerReply,
} from "../../src/smtp_client/reply_parser.ts";

type Expect = { code: number; enhanced?: string; lines: string[] } | "malformed" | "more";

const CASES: { name: string; lines: string[]; expect: Expect }[] = [
  { name: "a one-line reply", lines: ["250 OK"], expect: { code: 250, lines: ["OK"] } },
  {
    name: "an enhanced code is pulled off every line",
    lines: ["550-5.1.1 No such", "550 5.1.1 user"],
    expect: { code: 550, enhanced: "5.1.1", lines: ["No such", "user"] },
  },
  {
    name: "a multi-line EHLO reply",
    lines: ["250-mx.test", "250-PIPELINING", "250 SIZE 100"],
    expect: { code: 250, lines: ["mx.test", "PIPELINING", "SIZE 100"] },
  },
  { name: "a code with no text", lines: ["250"], expect: { code: 250, lines: [""] } },
  { name: "a continuation waits for more", lines: ["250-a"], expect: "more" },
  {
    name: "an enhanced code of another class is kept as text",
    lines: ["250 5.1.1 odd"],
    expect: { code: 250, lines: ["5.1.1 odd"] },
  },
  { name: "a short line is malformed", lines: ["25"], expect: "malformed" },
  { name: "a non-numeric code is malformed", lines: ["2x0 OK"], expect: "malformed" },
  {
    name: "a code with its text but no space is a last line (RFC 5321 4.2: the space is text)",
    lines: ["250ok"],
    expect: { code: 250, lines: ["ok"] },
  },
  {
    name: "a code followed by another character keeps that character as text",
    lines: ["250_OK"],
    expect: { code: 250, lines: ["_OK"] },
  },
  { name: "a 1xx code is malformed", lines: ["199 hi"], expect: "malformed" },
  { name: "an empty line is malformed", lines: [""], expect: "malformed" },
  { name: "a code change mid-reply is malformed", lines: ["250-a", "251 b"], expect: "malformed" },
  {
    name: "a 421 greeting parses",
    lines: ["421 4.3.2 bye"],
    expect: { code: 421, enhanced: "4.3.2", lines: ["bye"] },
  },
  { name: "four digits are malformed", lines: ["2500 x"], expect: "malformed" },
  {
    // RFC 5321 4.2: Reply-code "-" [ textstring ]: only the last line has a space of grammar.
    name: "a space after a continuation's hyphen is text, kept",
    lines: ["250- a", "250 b"],
    expect: { code: 250, lines: [" a", "b"] },
  },
];

for (const { name, lines, expect } of CASES) {
  Deno.test(`ReplyAssembler: ${name}`, () => {
    const assembler = new ReplyAssembler();
    let result: ReturnType<ReplyAssembler["push"]> = null;
    for (const line of lines) {
      result = assembler.push(line);
      if (result !== null) break;
    }
    if (expect === "more") assert.equal(result, null);
    else if (expect === "malformed") assert.ok(result !== null && "malformed" in result);
    else {assert.deepEqual(
        result,
        expect.enhanced ? expect : { code: expect.code, lines: expect.lines },
      );}
  });
}

Deno.test("ReplyAssembler: too many lines is malformed", () => {
  const assembler = new ReplyAssembler({ maxLines: 3 });
  assert.equal(assembler.push("250-a"), null);
  assert.equal(assembler.push("250-a"), null);
  assert.equal(assembler.push("250-a"), null);
  assert.ok("malformed" in (assembler.push("250-a") ?? {}));
});

Deno.test("ReplyAssembler: a reply after the first on one assembler starts afresh", () => {
  const assembler = new ReplyAssembler();
  assert.deepEqual(assembler.push("250 first"), { code: 250, lines: ["first"] });
  assert.equal(assembler.push("354-go"), null);
  assert.deepEqual(assembler.push("354 ahead"), { code: 354, lines: ["go", "ahead"] });
});

Deno.test("describeReply() joins lines and strips control characters", () => {
  assert.equal(
    describeReply({ code: 550, enhanced: "5.1.1", lines: ["No such", "user\x07"] }),
    "550 5.1.1 No such user",
  );
});

const MIXED_CASES = [
  {
    name: "codes of one class are read by the last line's, with the enhanced code pulled off",
    lines: ["250-2.0.0 queued", "251 2.0.0 ok"],
    expect: { code: 251, enhanced: "2.0.0", lines: ["queued", "ok"], lineCodes: [250, 251] },
    isContradictory: false,
  },
  {
    name: "codes of two classes are contradictory, the text kept whole",
    lines: ["250-2.0.0 queued", "451 4.3.0 later"],
    expect: { code: 451, lines: ["2.0.0 queued", "4.3.0 later"], lineCodes: [250, 451] },
    isContradictory: true,
  },
];
for (const { name, lines, expect, isContradictory: contradictory } of MIXED_CASES) {
  Deno.test(`ReplyAssembler with isMixedCodeAllowed: ${name}`, () => {
    const assembler = new ReplyAssembler({ isMixedCodeAllowed: true });
    assert.equal(assembler.push(lines[0]!), null);
    const reply = assembler.push(lines[1]!);
    assert.deepEqual(reply, expect);
    assert.equal(isContradictory(reply as ServerReply), contradictory);
  });
}

Deno.test("describeReply() gives every line's code of a contradictory reply", () => {
  const reply = { code: 451, lines: ["2.0.0 queued", "4.3.0 later"], lineCodes: [250, 451] };
  assert.equal(describeReply(reply), "250-2.0.0 queued / 451 4.3.0 later");
});
