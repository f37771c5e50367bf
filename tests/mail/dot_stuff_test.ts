import assert from "node:assert/strict";
import { dotStuff, DotStuffStream, headerAndBodyLines, TopLines } from "../../src/mail/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const STUFF_CASES: [string, string, string][] = [
  ["dotStuff() leaves a message without leading dots unchanged", "a\r\nb\r\n", "a\r\nb\r\n"],
  ["dotStuff() doubles a dot at the start of a line", "a\r\n.b\r\n.\r\n", "a\r\n..b\r\n..\r\n"],
  ["dotStuff() doubles a dot on the very first line", ".x\r\n", "..x\r\n"],
  ["dotStuff() leaves dots inside a line alone", "a.b\r\n", "a.b\r\n"],
  ["dotStuff() turns a bare LF into CRLF", "a\nb\n", "a\r\nb\r\n"],
  ["dotStuff() adds a missing final CRLF", "a\r\nlast", "a\r\nlast\r\n"],
  ["dotStuff() keeps an empty message empty", "", ""],
  ["dotStuff() stuffs a dot after a bare LF", "a\n.b", "a\r\n..b\r\n"],
  ["dotStuff() keeps a bare CR inside a line by default", "a\r.b\r\n", "a\r.b\r\n"],
];

for (const [name, input, expected] of STUFF_CASES) {
  Deno.test(name, () => {
    assert.equal(decoder.decode(dotStuff(encoder.encode(input))), expected);
  });
}

Deno.test("dotStuff() returns its input itself when there is nothing to change", () => {
  const input = encoder.encode("a\r\nb\r\n");
  assert.equal(dotStuff(input), input);
});

const OPTION_CASES: [string, string, string][] = [
  ["dotStuff() with isBareCrLineEnd turns a bare CR into CRLF", "a\rb", "a\r\nb\r\n"],
  ["dotStuff() with isBareCrLineEnd stuffs a dot after a bare CR", "a\r.b\r\n", "a\r\n..b\r\n"],
  ["dotStuff() with isBareCrLineEnd keeps CR CR LF as two line ends", "a\r\r\n", "a\r\n\r\n"],
];

for (const [name, input, expected] of OPTION_CASES) {
  Deno.test(name, () => {
    const out = dotStuff(encoder.encode(input), { isBareCrLineEnd: true });
    assert.equal(decoder.decode(out), expected);
  });
}

Deno.test("dotStuff() with isTerminated ends even an empty message with a dot line", () => {
  assert.equal(decoder.decode(dotStuff(new Uint8Array(), { isTerminated: true })), ".\r\n");
  assert.equal(decoder.decode(dotStuff(encoder.encode("x"), { isTerminated: true })), "x\r\n.\r\n");
});

const TOP_CASES: [string, string, number, string][] = [
  [
    "headerAndBodyLines() with 0 lines returns the header and its blank line",
    "A: 1\r\nB: 2\r\n\r\nx\r\ny\r\n",
    0,
    "A: 1\r\nB: 2\r\n\r\n",
  ],
  [
    "headerAndBodyLines() adds the requested body lines",
    "A: 1\r\n\r\nx\r\ny\r\nz\r\n",
    2,
    "A: 1\r\n\r\nx\r\ny\r\n",
  ],
  [
    "headerAndBodyLines() stops at the end of a short body",
    "A: 1\r\n\r\nx\r\n",
    10,
    "A: 1\r\n\r\nx\r\n",
  ],
  [
    "headerAndBodyLines() treats a message without a blank line as all header",
    "A: 1\r\n",
    3,
    "A: 1\r\n",
  ],
  ["headerAndBodyLines() understands bare LF messages", "A: 1\n\nx\ny\n", 1, "A: 1\n\nx\n"],
  [
    "headerAndBodyLines() reads a CR at a line start before text as header",
    "A\r\n\rB\r\n\r\nx\r\ny",
    0,
    "A\r\n\rB\r\n\r\n",
  ],
  [
    "headerAndBodyLines() counts a last line without its end",
    "A\r\n\r\nx\r\ny",
    5,
    "A\r\n\r\nx\r\ny",
  ],
];

for (const [name, input, lines, expected] of TOP_CASES) {
  Deno.test(name, () => {
    assert.equal(decoder.decode(headerAndBodyLines(encoder.encode(input), lines)), expected);
  });
}

for (const [name, input, lines, expected] of TOP_CASES) {
  Deno.test(`TopLines cut in up to three pieces anywhere: ${name}`, () => {
    const bytes = encoder.encode(input);
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        const top = new TopLines(lines);
        let out = "";
        let from = 0;
        for (const cut of [first, second, bytes.length]) {
          if (top.isDone) break;
          const piece = bytes.subarray(from, cut);
          out += decoder.decode(piece.subarray(0, top.take(piece)));
          from = cut;
        }
        assert.equal(out, expected, `cuts at ${first}, ${second}`);
      }
    }
  });
}

/** The byte-at-a-time definition dotStuff() must agree with (its first implementation). */
function referenceDotStuff(bytes: Uint8Array, isBareCrLineEnd: boolean, isTerminated: boolean) {
  const out: number[] = [];
  let isLineStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const isBareCr = isBareCrLineEnd && byte === 13 && bytes[i + 1] !== 10;
    if (isLineStart && byte === 46) out.push(46);
    if (byte === 10 && (i === 0 || bytes[i - 1] !== 13)) out.push(13);
    out.push(byte);
    if (isBareCr) out.push(10);
    isLineStart = byte === 10 || isBareCr;
  }
  if (bytes.length > 0 && !isLineStart) out.push(13, 10);
  if (isTerminated) out.push(46, 13, 10);
  return new Uint8Array(out);
}

Deno.test("dotStuff() agrees with the byte-at-a-time definition on 20,000 random inputs", () => {
  // A small alphabet makes every awkward neighbour (CR CR LF, LF dot, CR at the end) common.
  const alphabet = [46, 13, 10, 97];
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let n = 0; n < 20_000; n++) {
    const input = Uint8Array.from(
      { length: Math.floor(random() * 12) },
      () => alphabet[Math.floor(random() * alphabet.length)]!,
    );
    for (const isBareCrLineEnd of [false, true]) {
      for (const isTerminated of [false, true]) {
        const got = dotStuff(input, { isBareCrLineEnd, isTerminated });
        const want = referenceDotStuff(input, isBareCrLineEnd, isTerminated);
        assert.deepEqual(
          got,
          want,
          `${JSON.stringify(decoder.decode(input))} bareCr=${isBareCrLineEnd} term=${isTerminated}`,
        );
      }
    }
  }
});

/** `DotStuffStream` over `bytes` cut at `cuts`, joined. */
function streamed(bytes: Uint8Array, cuts: number[]): string {
  const stream = new DotStuffStream();
  let out = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += decoder.decode(stream.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return out + decoder.decode(stream.finish());
}

for (const [name, input] of [...STUFF_CASES, ["a CR kept inside a line", "a\rb\r\n.\r\r\n", ""]]) {
  Deno.test(`DotStuffStream: ${name}, cut in up to three pieces anywhere, as dotStuff()`, () => {
    const bytes = encoder.encode(input);
    const whole = decoder.decode(dotStuff(bytes));
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        assert.equal(streamed(bytes, [first, second]), whole, `cuts at ${first}, ${second}`);
      }
    }
  });
}

Deno.test("DotStuffStream hands out fresh arrays: the piece may be read into again", () => {
  const piece = encoder.encode("abc\n");
  const out = new DotStuffStream().push(piece);
  piece.fill(0x78);
  assert.equal(decoder.decode(out), "abc\r\n");
  const unchanged = encoder.encode("abc");
  assert.notEqual(new DotStuffStream().push(unchanged).buffer, unchanged.buffer);
});

/** Bytes that count how far their `indexOf` calls look. */
class ScanCountingBytes extends Uint8Array {
  scanned = 0;
  override indexOf(value: number, fromIndex = 0): number {
    const found = super.indexOf(value, fromIndex);
    this.scanned += (found < 0 ? this.length : found + 1) - fromIndex;
    return found;
  }
}

Deno.test("dotStuff() with isBareCrLineEnd looks at each byte a few times, not once per line, when there is no CR", () => {
  // Bare LFs and no CR, or bare CRs and no LF: a search for the next CR (or LF) that finds
  // none must be remembered, not repeated to the end of the data for every line (10,000
  // lines made 2 * 10^8 byte looks).
  const lines = 10_000;
  for (const text of ["a\n".repeat(lines), "a\r\n".repeat(lines), "a\r".repeat(lines)]) {
    const bytes = new ScanCountingBytes(encoder.encode(text));
    const out = dotStuff(bytes, { isBareCrLineEnd: true, isTerminated: true });
    assert.equal(decoder.decode(out), "a\r\n".repeat(lines) + ".\r\n");
    assert.ok(
      bytes.scanned <= 4 * bytes.length,
      `${JSON.stringify(text.slice(0, 3))}: ${bytes.scanned} bytes looked at for ${bytes.length}`,
    );
  }
});
