import assert from "node:assert/strict";
import { curName, parseMessageName } from "../../src/mailbox/message_name.ts";

Deno.test("parseMessageName() gives the info letters deduplicated in ASCII order, whatever the name has", () => {
  const cases: [string, string][] = [
    ["1700000000.M1P1.host,S=10:2,S", "S"],
    ["1700000000.M1P1.host,S=10:2,FS", "FS"],
    ["1700000000.M1P1.host,S=10:2,SF", "FS"], // another MUA's order
    ["1700000000.M1P1.host,S=10:2,SS", "S"], // twice
    ["1700000000.M1P1.host,S=10:2,aFS", "FSa"], // a keyword letter sorts after capitals
    ["1700000000.M1P1.host,S=10:2,FSa", "FSa"],
    ["1700000000.M1P1.host,S=10:2,", ""],
    ["1700000000.M1P1.host,S=10:2,S,x", "Sx"], // a comma is no letter
    ["1700000000.M1P1.host,S=10:2,S\u00e9", "S"], // nor is a character past ASCII
    ["1700000000.M1P1.host,S=10:2, S", "S"], // nor a space
    ["1700000000.M1P1.host,S=10:2,~!", "!~"],
    ["1700000000.M1P1.host,S=10:1,S", ""], // not the "2," form
    ["1700000000.M1P1.host,S=10", ""],
  ];
  for (const [name, letters] of cases) {
    assert.equal(parseMessageName(name)?.letters, letters, name);
  }
});

Deno.test("curName() writes the letters in order once each", () => {
  assert.equal(curName("b", "SRF"), "b:2,FRS");
  assert.equal(curName("b", "FRS"), "b:2,FRS");
  assert.equal(curName("b", "FF"), "b:2,F");
  assert.equal(curName("b", ""), "b:2,");
});

Deno.test("parseMessageName() dates a name of ours by its leading seconds, and leaves another program's undated (its mtime is the date)", () => {
  const cases: [string, number | null][] = [
    ["1700000000.M000123P45Q6R0123abcd.mx.test,S=10", 1_700_000_000_000], // ours now
    ["1700000000.M000123P45Q6.mx.test,S=10:2,S", 1_700_000_000_000], // ours before the random part
    ["1700000000.M123P45Q6.mx.test,S=10", 1_700_000_000_000], // ours at first, M not padded
    ["1795812394.M709464P4603.vm,S=29,W=32", null], // Dovecot: the seconds are when it wrote the file
    ["1700000000.M1P1V2I3.host,S=10:2,S", null], // Courier
    ["1700000000.1234_5.host", null], // qmail's old form
    ["1700000000.M1P2Q3V4I5.host,S=10", null], // begins like ours, then other fields
    ["x1700000000.M1P2Q3.host,S=10", null], // ours only from its second character
  ];
  for (const [name, dateMs] of cases) {
    assert.equal(parseMessageName(name)?.internalDateMs, dateMs, name);
  }
});
