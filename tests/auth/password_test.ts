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
