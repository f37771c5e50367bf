/** Serving files with bare LFs as CRLF: the converter, the name rules and the file reads. */
import assert from "node:assert/strict";
import { CrlfLines, lineEndsOfName, withWireSize } from "../../src/mailbox/line_ends.ts";
import {
  measureFile,
  readServedHead,
  readServedMessage,
  readServedPieces,
} from "../../src/mailbox/served_reads.ts";
import { PIECE_BYTES } from "../../src/mailbox/read_pieces.ts";
import { makeTestDir } from "../temp_dirs.ts";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (data: Uint8Array) => String.fromCharCode(...data);

/** Inputs and what they are served as. */
const CASES: { name: string; stored: string; served: string }[] = [
  { name: "an empty file", stored: "", served: "" },
  { name: "bare LFs", stored: "a\nb\n", served: "a\r\nb\r\n" },
  { name: "a file already CRLF (not doubled)", stored: "a\r\nb\r\n", served: "a\r\nb\r\n" },
  { name: "a lone CR (kept, not doubled)", stored: "a\rb\r\n", served: "a\rb\r\n" },
  { name: "a CR at the very end", stored: "a\r", served: "a\r" },
  { name: "CR CR LF (the second CR ends the line)", stored: "a\r\r\nb", served: "a\r\r\nb" },
  { name: "CRLF then a bare LF", stored: "a\r\n\nb", served: "a\r\n\r\nb" },
  { name: "no final line end", stored: "a\nend", served: "a\r\nend" },
  { name: "only LFs", stored: "\n\n\n", served: "\r\n\r\n\r\n" },
  { name: "an LF first", stored: "\nx", served: "\r\nx" },
  { name: "mixed ends", stored: "h: v\r\nx: y\n\r\nbody a\rb\nl\r\nlast\n", served: "" },
];
for (const testCase of CASES) {
  testCase.served ||= testCase.stored.replace(/(?<!\r)\n/g, "\r\n");
}

/** Every way to cut `stored` in pieces of sizes 1..3 and at every single point. */
function* cuttings(stored: string): Generator<string[]> {
  yield [stored];
  for (let at = 0; at <= stored.length; at++) yield [stored.slice(0, at), stored.slice(at)];
  for (const size of [1, 2, 3]) {
    const pieces: string[] = [];
    for (let at = 0; at < stored.length; at += size) pieces.push(stored.slice(at, at + size));
    yield pieces;
  }
}

for (const { name, stored, served } of CASES) {
  Deno.test(`CrlfLines serves ${name} the same however the file is cut in pieces`, () => {
    for (const pieces of cuttings(stored)) {
      const lines = new CrlfLines();
      const counted = new CrlfLines();
      let out = "";
      for (const piece of pieces) {
        out += text(lines.convert(bytes(piece)));
        counted.count(bytes(piece));
      }
      const what = JSON.stringify(pieces);
      assert.equal(out, served, what);
      assert.equal(lines.addedBytes, served.length - stored.length, what);
      assert.equal(counted.addedBytes, served.length - stored.length, what);
    }
  });
}

Deno.test("CrlfLines hands back a piece without a bare LF as it is, not a copy", () => {
  const lines = new CrlfLines();
  const piece = bytes("a\r\nb\r");
  assert.equal(lines.convert(piece), piece);
  const next = bytes("\nc");
  assert.equal(lines.convert(next), next, "its LF ends the CR of the piece before");
});

Deno.test("lineEndsOfName() trusts ,W=, serves our names as stored, and counts the rest later", () => {
  const cases: [Parameters<typeof lineEndsOfName>[0], string][] = [
    [{ sizeBytes: 10, wireBytes: 12, isOwnName: false }, "lf"],
    [{ sizeBytes: 10, wireBytes: 10, isOwnName: false }, "crlf"],
    [{ sizeBytes: 10, wireBytes: 12, isOwnName: true }, "lf"],
    [{ sizeBytes: 10, wireBytes: null, isOwnName: true }, "crlf"],
    [{ sizeBytes: 10, wireBytes: null, isOwnName: false }, "unmeasured"],
    [{ sizeBytes: null, wireBytes: null, isOwnName: false }, "unmeasured"],
  ];
  for (const [name, lineEnds] of cases) assert.equal(lineEndsOfName(name), lineEnds);
  assert.equal(
    withWireSize("1.M1P2Q3R4.h,S=3", { storedBytes: 3, sizeBytes: 3 }),
    "1.M1P2Q3R4.h,S=3",
  );
  assert.equal(
    withWireSize("1.M1P2Q3R4.h,S=3", { storedBytes: 3, sizeBytes: 5 }),
    "1.M1P2Q3R4.h,S=3,W=5",
  );
});

/** A file of `lines` lines of `width` octets, each ended by a bare LF. */
function writeLfFile(path: string, lines: number, width: number): void {
  const line = "x".repeat(width - 1) + "\n";
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const block = bytes(line.repeat(4096));
  for (let written = 0; written < lines; written += 4096) {
    file.writeSync(block.subarray(0, Math.min(4096, lines - written) * width));
  }
  file.close();
}

Deno.test("a 20 MB LF file is counted, streamed and read whole in pieces, never held twice", async () => {
  const path = `${makeTestDir()}/big`;
  const lines = 20 * 1024 * 1024 / 80;
  writeLfFile(path, lines, 80);
  const sizes = await measureFile(path);
  assert.deepEqual(sizes, { storedBytes: lines * 80, sizeBytes: lines * 81, lineEnds: "lf" });
  // Streamed: each piece at most a read piece and its added CRs, CRLF everywhere.
  let total = 0;
  let biggest = 0;
  const check = new CrlfLines();
  let lfs = 0;
  await readServedPieces(path, sizes, {
    visit: (piece) => {
      total += piece.length;
      biggest = Math.max(biggest, piece.length);
      check.count(piece);
      for (let at = piece.indexOf(10); at >= 0; at = piece.indexOf(10, at + 1)) lfs++;
    },
    fromByte: 0,
  });
  assert.equal(total, sizes.sizeBytes);
  assert.ok(biggest <= 2 * PIECE_BYTES, `a piece of ${biggest} bytes`);
  assert.equal(check.addedBytes, 0, "no bare LF left");
  assert.equal(lfs, lines);
  // Whole: one buffer of exactly the served size (no second copy, no doubling to grow).
  const whole = await readServedMessage(path, sizes);
  assert.equal(whole.length, sizes.sizeBytes);
  assert.equal(whole.buffer.byteLength, sizes.sizeBytes);
  assert.equal(text(whole.subarray(0, 162)), ("x".repeat(79) + "\r\n").repeat(2));
});

Deno.test("readServedPieces() counts a start offset in served bytes, across the CR it added", async () => {
  const path = `${makeTestDir()}/msg`;
  const stored = "Subject: x\n\nab\ncd\n";
  Deno.writeFileSync(path, bytes(stored));
  const served = stored.replace(/\n/g, "\r\n");
  const file = { sizeBytes: served.length, lineEnds: "lf" as const };
  for (let from = 0; from <= served.length; from++) {
    let got = "";
    await readServedPieces(path, file, {
      visit: (piece) => void (got += text(piece)),
      fromByte: from,
    });
    assert.equal(got, served.slice(from), `from ${from}`);
  }
  assert.equal(text(await readServedHead(path, file, 1000)), "Subject: x\r\n\r\n");
  assert.equal(text(await readServedMessage(path, file)), served);
  const asStored = { sizeBytes: stored.length, lineEnds: "crlf" as const };
  assert.equal(text(await readServedMessage(path, asStored)), stored, "a file of ours: as stored");
});

Deno.test("readServedPieces() started from the marks of an earlier read gives the same bytes at every offset near a piece's edge, a CRLF cut there too", async () => {
  const path = `${makeTestDir()}/marked`;
  // A CR ends the first read piece and its LF starts the second; bare LFs all around.
  const stored = "a\n".repeat(PIECE_BYTES / 2 - 1) + "x\r" + "\nb" + "c\n".repeat(PIECE_BYTES / 2) +
    "end";
  assert.equal(stored[PIECE_BYTES - 1], "\r");
  Deno.writeFileSync(path, bytes(stored));
  const served = stored.replace(/(?<!\r)\n/g, "\r\n");
  const file = { sizeBytes: served.length, lineEnds: "lf" as const };
  const marks: Parameters<typeof readServedPieces>[2]["marks"] = [];
  const sizes = await measureFile(path, marks);
  assert.equal(sizes.sizeBytes, served.length);
  assert.ok(marks.length >= 2, `${marks.length} marks`);
  const edges = marks.map((mark) => mark.servedByte);
  for (const edge of [...edges, served.length]) {
    for (let from = Math.max(0, edge - 3); from <= Math.min(served.length, edge + 3); from++) {
      for (const withMarks of [marks, []]) {
        let got = "";
        await readServedPieces(path, file, {
          visit: (piece) => {
            got += text(piece.subarray(0, 8 - got.length));
            return got.length < 8;
          },
          fromByte: from,
          marks: withMarks === marks ? marks : [],
        });
        assert.equal(got, served.slice(from, from + 8), `from ${from}, marks: ${withMarks.length}`);
      }
    }
  }
});
