import assert from "node:assert/strict";
import { DataDecoder, type DataViolations } from "../../src/smtp/data_decoder.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

interface Run {
  output: string;
  used: number;
  done: boolean;
  violations: DataViolations;
}

/** Feeds `chunks` in order until the decoder reports done; collects copies of its output. */
function run(chunks: readonly Uint8Array[], maxMessageBytes = 1_000_000): Run {
  const pieces: Uint8Array[] = [];
  const dataDecoder = new DataDecoder({
    maxMessageBytes,
    onBytes: (bytes) => pieces.push(bytes.slice()),
  });
  let used = 0;
  let done = false;
  for (const chunk of chunks) {
    const result = dataDecoder.push(chunk);
    used += result.used;
    if (result.done) {
      done = true;
      break;
    }
    assert.equal(result.used, chunk.length, "a chunk without the end is consumed whole");
  }
  const output = pieces.map((piece) => decoder.decode(piece)).join("");
  return { output, used, done, violations: { ...dataDecoder.violations } };
}

function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

const clean: DataViolations = {
  bareCr: false,
  bareLf: false,
  nul: false,
  longLine: false,
  tooBig: false,
};

const messageCases: {
  name: string;
  input: string;
  output: string;
  used?: number;
}[] = [
  {
    name: "passes a simple message on without the end marker",
    input: "Subject: hi\r\n\r\nHello\r\n.\r\n",
    output: "Subject: hi\r\n\r\nHello\r\n",
  },
  {
    name: "removes the stuffed dot from a line starting with two dots",
    input: "..x\r\n.\r\n",
    output: ".x\r\n",
  },
  {
    name: "turns a stuffed '..' line into a single dot",
    input: "a\r\n..\r\nb\r\n.\r\n",
    output: "a\r\n.\r\nb\r\n",
  },
  {
    name: "removes the leading dot of any line, not only before a dot",
    input: ".x\r\n.\r\n",
    output: "x\r\n",
  },
  {
    name: "leaves dots in the middle of a line alone",
    input: "a.b..c.\r\n.\r\n",
    output: "a.b..c.\r\n",
  },
  { name: "reads an empty message", input: ".\r\n", output: "" },
  {
    name: "does not consume the data after the end marker",
    input: "x\r\n.\r\nQUIT\r\n",
    output: "x\r\n",
    used: "x\r\n.\r\n".length,
  },
  {
    name: "stops right after the first end marker of a pipelined second message",
    input: "a\r\n.\r\nb\r\n.\r\n",
    output: "a\r\n",
    used: "a\r\n.\r\n".length,
  },
];

for (const c of messageCases) {
  Deno.test(`DataDecoder ${c.name}`, () => {
    const result = run([bytes(c.input)]);
    assert.equal(result.done, true);
    assert.equal(result.output, c.output);
    assert.equal(result.used, c.used ?? c.input.length);
    assert.deepEqual(result.violations, clean);
  });
}

const splitInputs = [
  "Subject: hi\r\n\r\nHello\r\n.\r\n",
  "..x\r\n..\r\n.\r\n",
  ".\r\n",
  "a\r\n.\r\nafter the end\r\n",
  "a\r\n.x\r\n.\r\r\n.\r\n",
  "\n.\n\r.\r\n\r\n.\rz\r\n.\r\nrest",
];

for (const input of splitInputs) {
  Deno.test(`DataDecoder gives the same result for ${JSON.stringify(input)} at every split point`, () => {
    const all = bytes(input);
    const whole = run([all]);
    assert.equal(whole.done, true);
    const byteByByte = run([...all].map((byte) => new Uint8Array([byte])));
    assert.deepEqual(byteByByte, whole, "fed byte by byte");
    for (let split = 0; split <= all.length; split++) {
      const twoChunks = run([all.slice(0, split), all.slice(split)]);
      assert.deepEqual(twoChunks, whole, `split at ${split}`);
    }
  });
}

/** Variants of a line holding only a dot that must not end the data (SMTP smuggling). */
const smugglingCases: { name: string; input: string; bareCr: boolean; bareLf: boolean }[] = [
  { name: "LF '.' LF", input: "a\n.\nb", bareCr: false, bareLf: true },
  { name: "CR '.' LF", input: "a\r.\nb", bareCr: true, bareLf: true },
  { name: "LF '.' CRLF", input: "a\n.\r\nb", bareCr: false, bareLf: true },
  { name: "CR '.' CRLF", input: "a\r.\r\nb", bareCr: true, bareLf: false },
  { name: "CRLF '.' LF", input: "a\r\n.\nb", bareCr: false, bareLf: true },
  { name: "CRLF '.' CR and another byte", input: "a\r\n.\rb", bareCr: true, bareLf: false },
  { name: "CRLF '.' CR CR LF", input: "a\r\n.\r\r\nb", bareCr: true, bareLf: false },
  {
    name: "a bare CR at line start before a dot",
    input: "a\r\n\r.\r\nb",
    bareCr: true,
    bareLf: false,
  },
  { name: "LF '.' CR and another byte", input: "a\n.\rb", bareCr: true, bareLf: true },
  { name: "a message starting with '.' LF", input: ".\nb", bareCr: false, bareLf: true },
];

for (const c of smugglingCases) {
  Deno.test(`DataDecoder does not end the data at ${c.name} and flags it`, () => {
    const input = bytes(c.input);
    const result = run([input]);
    assert.equal(result.done, false);
    assert.equal(result.used, input.length);
    assert.equal(result.violations.bareCr, c.bareCr, "bareCr");
    assert.equal(result.violations.bareLf, c.bareLf, "bareLf");
  });

  Deno.test(`DataDecoder still ends at the real CRLF '.' CRLF after ${c.name}`, () => {
    const input = bytes(c.input + "\r\n.\r\nNEXT");
    const result = run([input]);
    assert.equal(result.done, true);
    assert.equal(result.used, input.length - "NEXT".length);
    assert.equal(result.violations.bareCr, c.bareCr, "bareCr");
    assert.equal(result.violations.bareLf, c.bareLf, "bareLf");
  });
}

Deno.test("DataDecoder keeps a CR held back after a lone dot when the next chunk shows it was content", () => {
  const result = run([bytes("a\r\n.\r"), bytes("b\r\n.\r\n")]);
  assert.equal(result.done, true);
  assert.equal(result.output, "a\r\n\rb\r\n");
  assert.equal(result.violations.bareCr, true);
});

Deno.test("DataDecoder flags a NUL", () => {
  const result = run([bytes("a\0b\r\n.\r\n")]);
  assert.equal(result.done, true);
  assert.deepEqual(result.violations, { ...clean, nul: true });
});

const lineLengthCases: { name: string; line: string; isLong: boolean }[] = [
  { name: "accepts a 998-octet line", line: "x".repeat(998), isLong: false },
  { name: "flags a 999-octet line", line: "x".repeat(999), isLong: true },
  {
    name: "accepts a stuffed line of 998 octets on the wire",
    line: "." + ".".repeat(997),
    isLong: false,
  },
  {
    // RFC 5321 4.5.3.1.6: the dot duplicated for transparency is not counted.
    name: "does not count the stuffing dot: 998 octets of content stuffed to 999 are fine",
    line: "." + ".".repeat(998),
    isLong: false,
  },
  {
    name: "flags a stuffed line with 999 octets of content",
    line: "." + ".".repeat(999),
    isLong: true,
  },
  {
    name: "flags a 999-octet line that starts with a stuffed dot and letters",
    line: ".." + "x".repeat(998),
    isLong: true,
  },
  {
    name: "accepts a 998-octet line after another one",
    line: "y".repeat(998) + "\r\n" + "x".repeat(998),
    isLong: false,
  },
  { name: "accepts many short lines", line: "ab\r\n".repeat(1000), isLong: false },
];

for (const c of lineLengthCases) {
  Deno.test(`DataDecoder ${c.name}`, () => {
    const input = bytes(c.line + "\r\n.\r\n");
    const whole = run([input]);
    assert.equal(whole.done, true);
    assert.deepEqual(whole.violations, { ...clean, longLine: c.isLong });
    const byteByByte = run([...input].map((byte) => new Uint8Array([byte])));
    assert.deepEqual(byteByByte, whole, "fed byte by byte");
  });
}

Deno.test("DataDecoder accepts a message of exactly maxMessageBytes", () => {
  const result = run([bytes("12345678\r\n.\r\n")], 10);
  assert.equal(result.done, true);
  assert.equal(result.output, "12345678\r\n");
  assert.deepEqual(result.violations, clean);
});

Deno.test("DataDecoder counts maxMessageBytes after unstuffing", () => {
  const result = run([bytes("..345678\r\n.\r\n")], 9);
  assert.equal(result.output, ".345678\r\n");
  assert.deepEqual(result.violations, clean);
});

Deno.test("DataDecoder flags one byte over maxMessageBytes and passes no later bytes on", () => {
  for (
    const chunks of [[bytes("123456789\r\n"), bytes("more\r\n.\r\n")], [
      bytes("123456789\r\nmore\r\n.\r\n"),
    ]]
  ) {
    const pieces: Uint8Array[] = [];
    const dataDecoder = new DataDecoder({
      maxMessageBytes: 10,
      onBytes: (piece) => pieces.push(piece.slice()),
    });
    let result = { used: 0, done: false };
    for (const chunk of chunks) result = dataDecoder.push(chunk);
    assert.equal(result.done, true, "the end marker is still found");
    assert.equal(dataDecoder.violations.tooBig, true);
    assert.equal(dataDecoder.isRejected, true);
    const passed = pieces.reduce((sum, piece) => sum + piece.length, 0);
    assert.ok(passed <= 10, `passed on ${passed} bytes`);
    assert.equal(dataDecoder.messageBytes, passed);
    assert.ok(!decoder.decode(pieces.at(-1) ?? new Uint8Array()).includes("more"));
  }
});

Deno.test("DataDecoder hands out views of the caller's buffer that the receiver must copy", () => {
  const views: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  const dataDecoder = new DataDecoder({
    maxMessageBytes: 1000,
    onBytes: (piece) => {
      views.push(piece);
      copies.push(piece.slice());
    },
  });
  const buffer = bytes("first\r\n");
  dataDecoder.push(buffer);
  buffer.set(bytes("XXXXX\r\n"));
  const result = dataDecoder.push(bytes(".\r\n"));
  assert.equal(result.done, true);
  assert.equal(copies.map((piece) => decoder.decode(piece)).join(""), "first\r\n");
  assert.equal(views.map((piece) => decoder.decode(piece)).join(""), "XXXXX\r\n");
});

Deno.test("DataDecoder reports isRejected only when a violation was seen", () => {
  const dataDecoder = new DataDecoder({ maxMessageBytes: 100, onBytes: () => {} });
  dataDecoder.push(bytes("fine\r\n"));
  assert.equal(dataDecoder.isRejected, false);
  dataDecoder.push(bytes("bad\n"));
  assert.equal(dataDecoder.isRejected, true);
});

const eightBitCases: { name: string; chunks: Uint8Array[]; has8bitBytes: boolean }[] = [
  {
    name: "a 7-bit message",
    chunks: [bytes("Subject: hi\r\n\r\nplain\r\n.\r\n")],
    has8bitBytes: false,
  },
  {
    name: "UTF-8 in the body",
    chunks: [bytes("Subject: x\r\n\r\ncaf\u00e9\r\n.\r\n")],
    has8bitBytes: true,
  },
  {
    name: "UTF-8 in a header",
    chunks: [bytes("Subject: \u00fcber\r\n\r\nx\r\n.\r\n")],
    has8bitBytes: true,
  },
  {
    name: "an 8-bit octet first on a line",
    chunks: [new Uint8Array([0x78, 13, 10, 0xe9, 13, 10, 46, 13, 10])],
    has8bitBytes: true,
  },
  {
    name: "an 8-bit octet right after a stuffed dot, split across chunks",
    chunks: [bytes("x\r\n."), new Uint8Array([0xff, 13, 10, 46, 13, 10])],
    has8bitBytes: true,
  },
  {
    name: "8-bit octets only after the end of data (the next command's bytes)",
    chunks: [bytes("x\r\n.\r\n\u00e9")],
    has8bitBytes: false,
  },
];

for (const c of eightBitCases) {
  Deno.test(`DataDecoder.has8bitBytes is ${c.has8bitBytes} for ${c.name}`, () => {
    const dataDecoder = new DataDecoder({ maxMessageBytes: 1000, onBytes: () => {} });
    for (const chunk of c.chunks) if (dataDecoder.push(chunk).done) break;
    assert.equal(dataDecoder.has8bitBytes, c.has8bitBytes);
  });
}
