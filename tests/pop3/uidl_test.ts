/**
 * maildropUidls(): each message's UIDL is Dovecot's when it came with one
 * that POP3 may send and no other message of the maildrop has, else its
 * base name (RFC 1939 7: 1-70 characters 0x21-0x7E, unique in the maildrop).
 */
import assert from "node:assert/strict";
import type { MessageInfo } from "../../src/mailbox/mod.ts";
import { maildropUidls, uidlFor } from "../../src/pop3/uidl.ts";

const A = "1795832589.M927465P20251.vm,S=18,W=21";
const B = "1795832589.M988621P20257.vm,S=18,W=21";
const OURS = "1795832600.M000001P9Q1R0badcafe.mx.test,S=200";
const LONG = "1795832601.M000002P9Q2R0badcafe." + "h".repeat(60) + ",S=1";

const messages = (bases: string[]) => bases.map((base) => ({ base }) as MessageInfo);

const CASES: {
  name: string;
  bases: string[];
  dovecot: [string, string][];
  expected: (string | ((base: string) => Promise<string>))[];
}[] = [
  {
    name: "gives Dovecot's UIDLs to its messages and base names to the others",
    bases: [A, B, OURS],
    dovecot: [[A, "000000016b0a3b0d"], [B, "000000036b0a3b0d"]],
    expected: ["000000016b0a3b0d", "000000036b0a3b0d", OURS],
  },
  {
    name: "gives base names to all when Dovecot gave none",
    bases: [A, OURS, LONG],
    dovecot: [],
    expected: [A, OURS, uidlFor],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL over 70 characters",
    bases: [A, B],
    dovecot: [[A, "x".repeat(71)], [B, "x".repeat(70)]],
    expected: [A, "x".repeat(70)],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL with a space or non-ASCII",
    bases: [A, B],
    dovecot: [[A, "a b"], [B, "caf\u00e9"]],
    expected: [A, B],
  },
  {
    name: "falls back to the base name for a Dovecot UIDL that is another message's base name",
    bases: [A, "000000036b0a3b0d", B],
    dovecot: [[A, "000000036b0a3b0d"], [B, "000000046b0a3b0d"]],
    expected: [A, "000000036b0a3b0d", "000000046b0a3b0d"],
  },
  {
    name: "falls back until no clash is left: a base name put back may clash with another",
    bases: [A, B, "000000016b0a3b0d"],
    dovecot: [[A, "000000016b0a3b0d"], [B, A]],
    expected: [A, B, "000000016b0a3b0d"],
  },
];

for (const { name, bases, dovecot, expected } of CASES) {
  Deno.test(`maildropUidls() ${name}`, async () => {
    const want = await Promise.all(
      expected.map((e, i) => typeof e === "string" ? e : e(bases[i] as string)),
    );
    assert.deepEqual(await maildropUidls(messages(bases), new Map(dovecot)), want);
  });
}
