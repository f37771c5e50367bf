import assert from "node:assert/strict";
import { hashPassword, isPasswordHash, verifyPassword } from "../../src/auth/mod.ts";

const stored = await hashPassword("correct horse battery staple");
const [, , , , goodSalt = "", goodKey = ""] = stored.split("$");

Deno.test("hashPassword() encodes scrypt N=16384 r=8 p=1 with a 16-byte salt and 32-byte key", () => {
  const match = /^scrypt\$16384\$8\$1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  assert.ok(match, stored);
  assert.equal(Uint8Array.fromBase64(match[1] ?? "").length, 16);
  assert.equal(Uint8Array.fromBase64(match[2] ?? "").length, 32);
  assert.ok(!/[:\s]/.test(stored), "no colons or whitespace");
  assert.ok(isPasswordHash(stored));
});

Deno.test("hashPassword() salts: the same password hashes differently twice", async () => {
  assert.notEqual(await hashPassword("same"), await hashPassword("same"));
});

const verifyCases: { name: string; password: string; encoded: string; expected: boolean }[] = [
  {
    name: "accepts the right password",
    password: "correct horse battery staple",
    encoded: stored,
    expected: true,
  },
  {
    name: "rejects a wrong password",
    password: "correct horse battery stapler",
    encoded: stored,
    expected: false,
  },
  { name: "rejects the empty password", password: "", encoded: stored, expected: false },
  { name: "rejects an empty encoding", password: "x", encoded: "", expected: false },
  { name: "rejects a plain-text 'hash'", password: "secret", encoded: "secret", expected: false },
  {
    name: "rejects an unknown scheme",
    password: "x",
    encoded: `bcrypt$16384$8$1$${goodSalt}$${goodKey}`,
    expected: false,
  },
  {
    name: "rejects a missing field",
    password: "x",
    encoded: `scrypt$16384$8$${goodSalt}$${goodKey}`,
    expected: false,
  },
  { name: "rejects an extra field", password: "x", encoded: `${stored}$x`, expected: false },
  {
    name: "rejects N that is not a power of two",
    password: "x",
    encoded: `scrypt$16000$8$1$${goodSalt}$${goodKey}`,
    expected: false,
  },
  {
    name: "rejects a cost too large to compute safely",
    password: "x",
    encoded: `scrypt$1048576$64$1$${goodSalt}$${goodKey}`,
    expected: false,
  },
  {
    name: "rejects non-numeric parameters",
    password: "x",
    encoded: `scrypt$abc$8$1$${goodSalt}$${goodKey}`,
    expected: false,
  },
  {
    name: "rejects a salt that is not base64",
    password: "x",
    encoded: `scrypt$16384$8$1$!!!!$${goodKey}`,
    expected: false,
  },
  {
    name: "rejects a key with broken padding",
    password: "x",
    encoded: `scrypt$16384$8$1$${goodSalt}$${goodKey.replace(/=+$/, "")}`,
    expected: false,
  },
  {
    name: "rejects a key with a space in it",
    password: "x",
    encoded: `scrypt$16384$8$1$${goodSalt}$${goodKey.slice(0, 8)} ${goodKey.slice(8)}`,
    expected: false,
  },
  {
    name: "rejects a truncated key",
    password: "x",
    encoded: `scrypt$16384$8$1$${goodSalt}$AAAA`,
    expected: false,
  },
];

for (const c of verifyCases) {
  Deno.test(`verifyPassword() ${c.name}`, async () => {
    assert.equal(await verifyPassword(c.password, c.encoded), c.expected);
  });
}

Deno.test("verifyPassword() treats NFC and NFD forms of a password as the same", async () => {
  const hash = await hashPassword("caf\u00e9");
  assert.equal(await verifyPassword("cafe\u0301", hash), true);
});

Deno.test("hashPassword() does not block the event loop", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await Promise.all([hashPassword("a"), hashPassword("b"), hashPassword("c")]);
  clearInterval(timer);
  assert.ok(ticks > 0, "timers ran while scrypt was computing");
});

/**
 * The cases above verify a wrong password, so they pass whatever the parser
 * accepts. Here the parser alone is asked (`isPasswordHash`, what the users
 * file is checked with), and the right password is tried against encodings
 * that must still be refused.
 */
const goodKeyBytes = Uint8Array.fromBase64(goodKey);
const unverifiable: { name: string; encoded: string }[] = [
  { name: "an extra field", encoded: `${stored}$x` },
  { name: "a missing field", encoded: `scrypt$16384$8$${goodSalt}$${goodKey}` },
  { name: "N not a power of two", encoded: `scrypt$16000$8$1$${goodSalt}$${goodKey}` },
  { name: "N of 1", encoded: `scrypt$1$8$1$${goodSalt}$${goodKey}` },
  // RFC 7914 2: N must be less than 2^(128 * r / 8); OpenSSL refuses the rest.
  { name: "N of 2^16 with r = 1", encoded: `scrypt$65536$1$1$${goodSalt}$${goodKey}` },
  { name: "r of 0", encoded: `scrypt$16384$0$1$${goodSalt}$${goodKey}` },
  { name: "p of 0", encoded: `scrypt$16384$8$0$${goodSalt}$${goodKey}` },
  { name: "a leading zero in a parameter", encoded: `scrypt$016384$8$1$${goodSalt}$${goodKey}` },
  { name: "p over 16", encoded: `scrypt$16384$8$17$${goodSalt}$${goodKey}` },
  { name: "128 * N * r over 256 MB", encoded: `scrypt$131072$17$1$${goodSalt}$${goodKey}` },
  {
    name: "a salt of 7 bytes",
    encoded: `scrypt$16384$8$1$${new Uint8Array(7).toBase64()}$${goodKey}`,
  },
  {
    name: "a key of 15 bytes (the stored key's start)",
    encoded: `scrypt$16384$8$1$${goodSalt}$${goodKeyBytes.subarray(0, 15).toBase64()}`,
  },
  {
    name: "a key of 65 bytes",
    encoded: `scrypt$16384$8$1$${goodSalt}$${new Uint8Array(65).toBase64()}`,
  },
];

for (const c of unverifiable) {
  Deno.test(`isPasswordHash() refuses ${c.name}`, () => {
    assert.equal(isPasswordHash(c.encoded), false, c.encoded);
  });
}

Deno.test("isPasswordHash() accepts the bounds: p of 16, 128 * N * r of 256 MB, 8-byte salt, 16- and 64-byte keys", () => {
  const salt8 = new Uint8Array(8).toBase64();
  const key = (n: number) => new Uint8Array(n).toBase64();
  for (
    const encoded of [
      `scrypt$16384$8$16$${goodSalt}$${goodKey}`,
      `scrypt$131072$16$1$${goodSalt}$${goodKey}`,
      `scrypt$32768$1$1$${salt8}$${key(16)}`,
      `scrypt$2$1$1$${salt8}$${key(64)}`,
    ]
  ) assert.equal(isPasswordHash(encoded), true, encoded);
});

Deno.test("verifyPassword() refuses the right password against a hash with an extra field or a shortened key", async () => {
  const right = "correct horse battery staple";
  assert.equal(await verifyPassword(right, `${stored}$x`), false, "extra field");
  const short = `scrypt$16384$8$1$${goodSalt}$${goodKeyBytes.subarray(0, 15).toBase64()}`;
  assert.equal(await verifyPassword(right, short), false, "a key of 15 bytes");
});

Deno.test("verifyPassword() refuses any password for a hash whose N is past RFC 7914's bound", async () => {
  // N = 2^16 with r = 1: refused by the parser, and OpenSSL would throw; either means "no".
  const encoded = `scrypt$65536$1$1$${goodSalt}$${goodKey}`;
  assert.equal(await verifyPassword("correct horse battery staple", encoded), false);
  assert.equal(await verifyPassword("anything", encoded), false);
});
