/**
 * maildropUidls(): each message's UIDL is Dovecot's when it came with one
 * that POP3 may send, else its base name, unless Dovecot gave that to
 * another message (RFC 1939 7: 1-70 characters 0x21-0x7E, unique in the
 * maildrop; a client skips a UIDL it saw as fetched).
 */
import assert from "node:assert/strict";
import type { MessageInfo } from "../../src/mailbox/mod.ts";
import { maildropUidls } from "../../src/pop3/uidl.ts";

const A = "1795832589.M927465P20251.vm,S=18,W=21";
const B = "1795832589.M988621P20257.vm,S=18,W=21";
const OURS = "1795832600.M000001P9Q1R0badcafe.mx.test,S=200";
const LONG = "1795832601.M000002P9Q2R0badcafe." + "h".repeat(60) + ",S=1";

const messages = (bases: string[]) => bases.map((base) => ({ base }) as MessageInfo);

async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const D1 = "000000016b0a3b0d";
const D3 = "000000036b0a3b0d";
const D4 = "000000046b0a3b0d";

/** An expected UIDL: as it is, or the SHA-1 of a text. */
type Expected = string | { sha1: string };

const CASES: {
  name: string;
  bases: string[];
  byBase: [string, string][];
  /** More UIDLs Dovecot gave than `byBase`'s. */
  shown?: string[];
  expected: Expected[];
}[] = [
  {
    name: "gives Dovecot's UIDLs to its messages and base names to the others",
    bases: [A, B, OURS],
    byBase: [[A, D1], [B, D3]],
    expected: [D1, D3, OURS],
  },
  {
    name: "gives base names to all when Dovecot gave none, the SHA-1 of one too long",
    bases: [A, OURS, LONG],
    byBase: [],
    expected: [A, OURS, { sha1: LONG }],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL over 70 characters",
    bases: [A, B],
    byBase: [[A, "x".repeat(71)], [B, "x".repeat(70)]],
    expected: [A, "x".repeat(70)],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL with a space or non-ASCII",
    bases: [A, B],
    byBase: [[A, "a b"], [B, "caf\u00e9"]],
    expected: [A, B],
  },
  {
    name: "gives a file named as a UIDL Dovecot gave another message the SHA-1 of its name",
    bases: [A, D3, B],
    byBase: [[A, D3], [B, D4]],
    expected: [D3, { sha1: D3 }, D4],
  },
  {
    name: "gives a file named as a UIDL Dovecot gave two messages the SHA-1 of its name",
    bases: [A, "same"],
    byBase: [],
    shown: ["same"],
    expected: [A, { sha1: "same" }],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL that a SHA-1 given another message has",
    bases: [A, D1],
    byBase: [[A, "@sha1 of D1"]],
    shown: [D1],
    expected: [A, { sha1: D1 }],
  },
];

for (const { name, bases, byBase, shown, expected } of CASES) {
  Deno.test(`maildropUidls() ${name}`, async () => {
    const fill = async (uidl: string) => uidl === "@sha1 of D1" ? await sha1(D1) : uidl;
    const dovecot = new Map(
      await Promise.all(byBase.map(async ([b, u]) => [b, await fill(u)] as const)),
    );
    const want = await Promise.all(
      expected.map((e) => typeof e === "string" ? e : sha1(e.sha1)),
    );
    const uidls = await maildropUidls(messages(bases), {
      byBase: dovecot,
      shown: new Set([...dovecot.values(), ...shown ?? []]),
    });
    assert.deepEqual(uidls, want);
    assert.equal(new Set(uidls).size, uidls.length, "unique");
  });
}
