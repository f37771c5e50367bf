import assert from "node:assert/strict";
import { ChunkReader, LineEndingChecker } from "../../src/smtp/chunk_reader.ts";
import type { DataViolations } from "../../src/smtp/data_decoder.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

const readerCases: {
  name: string;
  sizeBytes: number;
  chunks: string[];
  used: number[];
  doneAt: number;
  passed: string;
}[] = [
  {
    name: "reads a chunk that arrives in one piece",
    sizeBytes: 5,
    chunks: ["hello"],
    used: [5],
    doneAt: 0,
    passed: "hello",
  },
  {
    name: "stops at the size and leaves the next command unread",
    sizeBytes: 5,
    chunks: ["helloQUIT\r\n"],
    used: [5],
    doneAt: 0,
    passed: "hello",
  },
  {
    name: "counts bytes across several pieces",
    sizeBytes: 7,
    chunks: ["ab", "cde", "fgRSET\r\n"],
    used: [2, 3, 2],
    doneAt: 2,
    passed: "abcdefg",
  },
  {
    name: "takes dots and CRLF '.' CRLF as plain content",
    sizeBytes: 6,
    chunks: ["\r\n.\r\n.", "x"],
    used: [6],
    doneAt: 0,
    passed: "\r\n.\r\n.",
  },
  {
    // A client's last byte can arrive in a TCP segment of its own.
    name: "passes on pieces of one byte each",
    sizeBytes: 3,
    chunks: ["a", "b", "cQUIT\r\n"],
    used: [1, 1, 1],
    doneAt: 2,
    passed: "abc",
  },
  {
    name: "uses nothing from an empty piece",
    sizeBytes: 3,
    chunks: ["", "abc"],
    used: [0, 3],
    doneAt: 1,
    passed: "abc",
  },
];

for (const c of readerCases) {
  Deno.test(`ChunkReader ${c.name}`, () => {
    const pieces: Uint8Array[] = [];
    const reader = new ChunkReader({
      sizeBytes: c.sizeBytes,
      onBytes: (bytes) => pieces.push(bytes.slice()),
    });
    const used: number[] = [];
    let doneAt = -1;
    for (const [i, chunk] of c.chunks.entries()) {
      const result = reader.push(encoder.encode(chunk));
      used.push(result.used);
      if (result.done) {
        doneAt = i;
        break;
      }
    }
    assert.deepEqual(used, c.used);
    assert.equal(doneAt, c.doneAt);
    assert.equal(pieces.map((piece) => decoder.decode(piece)).join(""), c.passed);
  });
}

Deno.test("ChunkReader is done at once for a zero-size chunk", () => {
  const pieces: Uint8Array[] = [];
  const reader = new ChunkReader({ sizeBytes: 0, onBytes: (bytes) => pieces.push(bytes) });
  assert.deepEqual(reader.push(encoder.encode("QUIT\r\n")), { used: 0, done: true });
  assert.equal(pieces.length, 0);
});

const clean: DataViolations = {
  bareCr: false,
  bareLf: false,
  nul: false,
  longLine: false,
  tooBig: false,
};

const checkerCases: { name: string; calls: string[]; expected: Partial<DataViolations> }[] = [
  { name: "accepts CRLF lines", calls: ["a\r\nb\r\n"], expected: {} },
  { name: "accepts a CRLF split across two calls", calls: ["a\r", "\nb\r\n"], expected: {} },
  {
    name: "accepts a CR at the end of one call and LF alone in the next",
    calls: ["a\r", "\n"],
    expected: {},
  },
  {
    name: "flags a bare CR at the very end via finish()",
    calls: ["a\r\nb\r"],
    expected: { bareCr: true },
  },
  {
    name: "flags a bare CR in the middle of a line",
    calls: ["a\rb\r\n"],
    expected: { bareCr: true },
  },
  {
    name: "flags a CR followed by a non-LF in the next call",
    calls: ["a\r", "b\r\n"],
    expected: { bareCr: true },
  },
  { name: "flags a bare LF", calls: ["a\nb\r\n"], expected: { bareLf: true } },
  {
    name: "flags a bare LF at the start of a call",
    calls: ["a\r\n", "\n"],
    expected: { bareLf: true },
  },
  { name: "flags a NUL", calls: ["a\0b\r\n"], expected: { nul: true } },
  { name: "accepts a 998-octet line", calls: ["x".repeat(998) + "\r\n"], expected: {} },
  {
    name: "accepts a 998-octet line split across calls",
    calls: ["x".repeat(500), "x".repeat(498) + "\r", "\n"],
    expected: {},
  },
  {
    // The count starts again after each CRLF (RFC 5321 4.5.3.1.6: 1000 octets with the CRLF).
    name: "accepts a 998-octet line after a shorter one",
    calls: ["a\r\n" + "x".repeat(998) + "\r\n"],
    expected: {},
  },
  {
    name: "flags a 999-octet line",
    calls: ["x".repeat(999) + "\r\n"],
    expected: { longLine: true },
  },
  {
    name: "flags a 999-octet last line without CRLF",
    calls: ["a\r\n", "x".repeat(999)],
    expected: { longLine: true },
  },
  { name: "accepts a 998-octet last line without CRLF", calls: ["x".repeat(998)], expected: {} },
];

for (const c of checkerCases) {
  Deno.test(`LineEndingChecker ${c.name}`, () => {
    const checker = new LineEndingChecker();
    for (const call of c.calls) checker.check(encoder.encode(call));
    checker.finish();
    assert.deepEqual(checker.violations, { ...clean, ...c.expected });
  });
}

Deno.test("LineEndingChecker does not flag a CR before finish() when more may follow", () => {
  const checker = new LineEndingChecker();
  checker.check(encoder.encode("a\r"));
  assert.equal(checker.violations.bareCr, false);
});

for (
  const c of [
    { name: "a 7-bit chunk", text: "Subject: a\r\n\r\nb\r\n", has8bitBytes: false },
    // DEL is the last US-ASCII octet: 7bit data (RFC 2045 2.7: octets 1 to 127).
    { name: "a chunk with DEL (0x7f)", text: "Subject: a\x7f\r\n\r\nb\r\n", has8bitBytes: false },
    { name: "a chunk with UTF-8", text: "Subject: \u00e9\r\n\r\nb\r\n", has8bitBytes: true },
  ]
) {
  Deno.test(`LineEndingChecker.has8bitBytes is ${c.has8bitBytes} for ${c.name}`, () => {
    const checker = new LineEndingChecker();
    checker.check(new TextEncoder().encode(c.text));
    assert.equal(checker.has8bitBytes, c.has8bitBytes);
  });
}
