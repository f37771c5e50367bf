import assert from "node:assert/strict";
import { dotStuff } from "../../src/mail/mod.ts";
import { type FileEnd, MessageGoneError, type MessageInfo } from "../../src/mailbox/mod.ts";
import {
  WireSizeCache,
  WireSizeCount,
  wireSizeOf,
  type WireSizeSource,
} from "../../src/pop3/wire_size.ts";

const CASES: [string, string][] = [
  ["an empty message stays empty", ""],
  ["CRLF lines count as stored", "A: b\r\n\r\nbody\r\n"],
  ["each bare LF counts one more octet", "A: b\n\nbody\n"],
  ["a missing final line end counts two more", "A: b\r\n\r\nlast"],
  ["a leading LF is bare", "\nx\r\n"],
  ["a bare CR stays content", "a\rb\r\n"],
];

for (const [name, text] of CASES) {
  Deno.test(`wireSizeOf(): ${name}`, () => {
    const bytes = new TextEncoder().encode(text);
    // dotStuff() sends the CRLF form; no line here starts with a dot.
    assert.equal(wireSizeOf(bytes), dotStuff(bytes).length);
  });
}

for (const [name, text] of [...CASES, ["a CRLF split between pieces", "a\r\nb\nc\r"]]) {
  Deno.test(`WireSizeCount: ${name}, cut into two pieces anywhere, counts as wireSizeOf()`, () => {
    const bytes = new TextEncoder().encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const count = new WireSizeCount();
      count.add(bytes.subarray(0, cut));
      count.add(bytes.subarray(cut));
      assert.equal(count.total, wireSizeOf(bytes), `cut at ${cut}`);
    }
  });
}

/** A source whose files must all be counted (no name gives a served size), read by `read`. */
function counted(read: WireSizeSource["readPieces"]): WireSizeSource {
  return {
    fileEnds: (uids) => Promise.resolve(new Map(uids.map((uid) => [uid, { kind: "count" }]))),
    readPieces: read,
  };
}

function message(uid: number, base: string, sizeBytes = 0): MessageInfo {
  return {
    uid,
    base,
    sizeBytes,
    internalDateMs: 0,
    flags: [],
    keywords: [],
    letters: "",
    isNew: true,
  };
}

Deno.test("WireSizeCache: a message removed while counted keeps its stored size, and the rest keep their places", async () => {
  const cache = new WireSizeCache();
  const messages = [message(1, "a", 10), message(2, "gone", 77), message(3, "c", 10)];
  const sizes = await cache.sizesOf(
    "bob@example.com",
    messages,
    counted((m, visit) => {
      if (m.base === "gone") throw new MessageGoneError(m.uid);
      visit(new TextEncoder().encode(m.base === "a" ? "x\n" : "yy\n"));
      return Promise.resolve();
    }),
  );
  // Message n's size is sizes[n - 1]: a gap would give message 3 another's size.
  assert.deepEqual(sizes, [3, 77, 4]);
});

Deno.test("WireSizeCache: one base name in two accounts is counted for each", async () => {
  const cache = new WireSizeCache();
  const read = (text: string) =>
    counted((_m, visit) => {
      visit(new TextEncoder().encode(text));
      return Promise.resolve();
    });
  const same = [message(1, "1700000000.same")];
  assert.deepEqual(await cache.sizesOf("bob@example.com", same, read("short\r\n")), [7]);
  assert.deepEqual(await cache.sizesOf("carol@example.com", same, read("longer one\r\n")), [12]);
});

Deno.test("WireSizeCache forgets the oldest size past 100,000, and only that one", async () => {
  const cache = new WireSizeCache();
  const reads: string[] = [];
  const read = counted((m, visit) => {
    reads.push(m.base);
    visit(new Uint8Array([65, 13, 10]));
    return Promise.resolve();
  });
  const many = Array.from({ length: 100_001 }, (_, i) => message(i + 1, `m${i}`));
  await cache.sizesOf("bob@example.com", many, read);
  reads.length = 0;
  await cache.sizesOf("bob@example.com", [many[1]!, many[100_000]!, many[0]!], read);
  assert.deepEqual(reads, ["m0"], "only the first one counted was forgotten");
});

Deno.test("WireSizeCache: a read that fails for another reason (EIO) fails the count", async () => {
  const cache = new WireSizeCache();
  await assert.rejects(
    cache.sizesOf(
      "bob@example.com",
      [message(1, "a", 10)],
      counted(() => {
        throw new Deno.errors.Interrupted("read failed");
      }),
    ),
    Deno.errors.Interrupted,
  );
});

Deno.test("WireSizeCache: a file whose name gives its served size costs its last byte, no read", async () => {
  const cache = new WireSizeCache();
  const ends = new Map<number, FileEnd>([
    [1, { kind: "end", servedBytes: 10, lastByte: 10 }],
    [2, { kind: "end", servedBytes: 10, lastByte: 65 }],
    [3, { kind: "end", servedBytes: 0, lastByte: null }],
    [4, { kind: "gone" }],
    [5, { kind: "count" }],
  ]);
  const read: string[] = [];
  const files: WireSizeSource = {
    fileEnds: (uids) => Promise.resolve(new Map(uids.map((uid) => [uid, ends.get(uid)!]))),
    readPieces: (m, visit) => {
      read.push(m.base);
      visit(new TextEncoder().encode("a\nb"));
      return Promise.resolve();
    },
  };
  const messages = [1, 2, 3, 4, 5].map((uid) => message(uid, `m${uid}`, 7));
  // A last byte other than LF: RETR adds CRLF (RFC 1939 11). Gone: the listed size.
  assert.deepEqual(await cache.sizesOf("bob@example.com", messages, files), [10, 12, 0, 7, 6]);
  assert.deepEqual(read, ["m5"], "only the file whose served size is unknown was read");
});
