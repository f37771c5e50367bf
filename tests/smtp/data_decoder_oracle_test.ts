/**
 * DataDecoder against a definition written on the whole input at once (no
 * states, no chunks): 20,000 random inputs, each fed in random pieces.
 */
import assert from "node:assert/strict";
import { DataDecoder } from "../../src/smtp/data_decoder.ts";

const CR = 13;
const LF = 10;
const DOT = 46;

interface Outcome {
  output: number[];
  used: number;
  bareCr: boolean;
  bareLf: boolean;
  nul: boolean;
  longLine: boolean;
  has8bit: boolean;
}

/**
 * RFC 5321 4.5.2 on a whole input that holds an end: the data ends at the
 * first line (only CRLF ends a line) holding a lone dot; a dot starting any
 * other line is removed. A line is too long with over 998 octets besides CRs
 * and the removed dot (RFC 5321 4.5.3.1.6).
 */
function definition(input: Uint8Array): Outcome {
  let end = -1; // index of the end line's dot
  if (input[0] === DOT && input[1] === CR && input[2] === LF) end = 0;
  for (let i = 0; end < 0 && i + 4 < input.length; i++) {
    if (
      input[i] === CR && input[i + 1] === LF && input[i + 2] === DOT && input[i + 3] === CR &&
      input[i + 4] === LF
    ) end = i + 2;
  }
  assert.ok(end >= 0, "the generator always adds an end");
  const content = input.subarray(0, end);
  const outcome: Outcome = {
    output: [],
    used: end + 3,
    bareCr: false,
    bareLf: false,
    nul: false,
    longLine: false,
    has8bit: false,
  };
  let lineOctets = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    const isLineStart = i === 0 || (content[i - 1] === LF && content[i - 2] === CR);
    if (isLineStart) lineOctets = 0;
    if (byte === CR && content[i + 1] !== LF) outcome.bareCr = true;
    if (byte === LF && content[i - 1] !== CR) outcome.bareLf = true;
    if (byte === 0) outcome.nul = true;
    if (byte > 0x7f) outcome.has8bit = true;
    const isStuffing = isLineStart && byte === DOT;
    const isCrlfEnd = byte === LF && content[i - 1] === CR;
    if (byte !== CR && !isCrlfEnd && !isStuffing && ++lineOctets > 998) outcome.longLine = true;
    if (!isStuffing) outcome.output.push(byte);
  }
  return outcome;
}

function decodeInPieces(input: Uint8Array, cuts: number[]): Outcome {
  const output: number[] = [];
  const decoder = new DataDecoder({
    maxMessageBytes: 1 << 30,
    onBytes: (bytes) => output.push(...bytes),
  });
  let used = 0;
  let from = 0;
  for (const to of [...cuts, input.length]) {
    const result = decoder.push(input.subarray(from, to));
    used += result.used;
    if (result.done) break;
    assert.equal(result.used, to - from);
    from = to;
  }
  const v = decoder.violations;
  return {
    output,
    used,
    bareCr: v.bareCr,
    bareLf: v.bareLf,
    nul: v.nul,
    longLine: v.longLine,
    has8bit: decoder.has8bitBytes,
  };
}

const TOKENS = [
  "a",
  "b",
  ".",
  "..",
  "\r",
  "\n",
  "\r\n",
  "\r\n.",
  ".\r\n",
  ".\r",
  "\0",
  "\xe9",
  "x".repeat(997),
  "x".repeat(998),
  "x".repeat(999),
];

/** A small seeded generator, so a failure names an input that can be made again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

Deno.test("DataDecoder matches the whole-input definition on 20,000 random inputs in random pieces", () => {
  const next = random(6);
  for (let n = 0; n < 20_000; n++) {
    let text = "";
    const count = Math.floor(next() * 30);
    for (let t = 0; t < count; t++) text += TOKENS[Math.floor(next() * TOKENS.length)];
    text += "\r\n.\r\nafter";
    const input = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const cuts = Array.from(
      { length: Math.floor(next() * 4) },
      () => Math.floor(next() * input.length),
    ).sort((a, b) => a - b);
    assert.deepEqual(
      decodeInPieces(input, cuts),
      definition(input),
      `input ${n}: ${JSON.stringify(text.slice(0, 200))} cut at ${cuts}`,
    );
  }
});
