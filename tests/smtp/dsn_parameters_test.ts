import assert from "node:assert/strict";
import {
  envelopeIdField,
  orcptForPeer,
  orcptOf,
  originalRecipientField,
  parseEnvid,
  parseNotify,
  parseOrcpt,
  parseRet,
} from "../../src/smtp/mod.ts";

type Case<T> = { name: string; value: string | null; expected: T | "error" };

function check<T>(result: T | { error: string }, expected: T | "error"): void {
  if (expected === "error") {
    assert.ok(
      typeof result === "object" && result !== null && "error" in result,
      `expected an error, got ${JSON.stringify(result)}`,
    );
    assert.match((result as { error: string }).error, /^[A-Z]/, "a sentence for the 501");
  } else assert.deepEqual(result, expected);
}

const retCases: Case<string>[] = [
  { name: "takes FULL", value: "FULL", expected: "FULL" },
  { name: "takes hdrs in lower case", value: "hdrs", expected: "HDRS" },
  { name: "takes a mixed case", value: "FuLl", expected: "FULL" },
  { name: "refuses another word", value: "BODY", expected: "error" },
  { name: "refuses no value", value: null, expected: "error" },
];
for (const c of retCases) {
  Deno.test(`parseRet() ${c.name}`, () => check(parseRet(c.value), c.expected));
}

const envidCases: Case<string>[] = [
  { name: "keeps the xtext as given", value: "QQ+2B314", expected: "QQ+2B314" },
  { name: "takes 100 characters", value: "e".repeat(100), expected: "e".repeat(100) },
  { name: "refuses 101 characters", value: "e".repeat(101), expected: "error" },
  { name: "refuses lower-case hex", value: "a+2b", expected: "error" },
  { name: "refuses a plus without digits", value: "a+", expected: "error" },
  {
    name: "refuses an encoded CR LF (a header injection)",
    value: "a+0D+0ABcc:x",
    expected: "error",
  },
  { name: "refuses an encoded NUL", value: "+00", expected: "error" },
  { name: "refuses an encoded non-ASCII character", value: "+C3+B6", expected: "error" },
  { name: "takes an encoded space", value: "two+20words", expected: "two+20words" },
  { name: "refuses an encoded DEL, a control", value: "a+7F", expected: "error" },
  { name: "refuses an empty value", value: "", expected: "error" },
  { name: "refuses no value", value: null, expected: "error" },
];
for (const c of envidCases) {
  Deno.test(`parseEnvid() ${c.name}`, () => check(parseEnvid(c.value), c.expected));
}

const notifyCases: Case<string[]>[] = [
  { name: "takes NEVER", value: "NEVER", expected: ["NEVER"] },
  { name: "takes never in lower case", value: "never", expected: ["NEVER"] },
  { name: "takes one keyword", value: "FAILURE", expected: ["FAILURE"] },
  {
    name: "takes a list in any order and case",
    value: "delay,Success,FAILURE",
    expected: ["DELAY", "SUCCESS", "FAILURE"],
  },
  { name: "refuses NEVER with others", value: "NEVER,SUCCESS", expected: "error" },
  { name: "refuses a keyword twice", value: "SUCCESS,SUCCESS", expected: "error" },
  { name: "refuses an unknown keyword", value: "SUCCESS,ALWAYS", expected: "error" },
  { name: "refuses an empty list element", value: "SUCCESS,", expected: "error" },
  { name: "refuses an empty element between commas", value: "SUCCESS,,FAILURE", expected: "error" },
  { name: "refuses no value", value: null, expected: "error" },
];
for (const c of notifyCases) {
  Deno.test(`parseNotify() ${c.name}`, () => check(parseNotify(c.value), c.expected));
}

const orcptCases: (Case<string> & { isSmtputf8?: boolean })[] = [
  { name: "takes rfc822;address", value: "rfc822;bob@x.test", expected: "rfc822;bob@x.test" },
  { name: "keeps the addr-type's case", value: "RFC822;Bob@X.test", expected: "RFC822;Bob@X.test" },
  { name: "takes an xtext plus", value: "rfc822;a+2Bb@x.test", expected: "rfc822;a+2Bb@x.test" },
  { name: "refuses a raw equals sign", value: "x400;c=us", expected: "error" },
  { name: "refuses no semicolon", value: "bob@x.test", expected: "error" },
  { name: "refuses an empty addr-type", value: ";bob@x.test", expected: "error" },
  { name: "refuses an empty address", value: "rfc822;", expected: "error" },
  {
    name: "refuses an addr-type that is not an atom",
    value: "rfc@822;b@x.test",
    expected: "error",
  },
  {
    name:
      "takes an encoded space, as in a quoted local part (RFC 3461 4.2: white space is printable)",
    value: 'rfc822;"a+20b"@x.test',
    expected: 'rfc822;"a+20b"@x.test',
  },
  { name: "refuses an encoded DEL, a control", value: "rfc822;a+7F@x.test", expected: "error" },
  { name: "refuses bad xtext", value: "rfc822;a+2bb@x.test", expected: "error" },
  { name: "refuses an encoded LF", value: "rfc822;a+0A@x.test", expected: "error" },
  { name: "refuses 501 characters", value: "rfc822;" + "a".repeat(494), expected: "error" },
  {
    name: "takes 500 characters",
    value: "rfc822;" + "a".repeat(493),
    expected: "rfc822;" + "a".repeat(493),
  },
  {
    name: "takes UTF-8 spelled in rfc822 xtext, as Postfix sends an internationalised recipient",
    value: "rfc822;joerg@b+C3+BCcher.test",
    expected: "rfc822;joerg@b+C3+BCcher.test",
  },
  {
    name: "refuses an encoded C1 control (NEL)",
    value: "rfc822;a+C2+85@x.test",
    expected: "error",
  },
  {
    name: "refuses raw UTF-8 for rfc822",
    value: "rfc822;jörg@x.test",
    isSmtputf8: true,
    expected: "error",
  },
  {
    name: "takes a 7-bit utf-8 address without SMTPUTF8 (RFC 6533 3)",
    value: "utf-8;j\\x{F6}rg@x.test",
    expected: "utf-8;j\\x{F6}rg@x.test",
  },
  {
    name: "takes a utf-8 address with UTF-8 in an SMTPUTF8 transaction",
    value: "utf-8;jörg@bücher.test",
    isSmtputf8: true,
    expected: "utf-8;jörg@bücher.test",
  },
  {
    name: "takes the utf-8 addr-type in any case",
    value: "UTF-8;jörg@x.test",
    isSmtputf8: true,
    expected: "UTF-8;jörg@x.test",
  },
  {
    name: "refuses a utf-8 address with UTF-8 without SMTPUTF8",
    value: "utf-8;jörg@bücher.test",
    expected: "error",
  },
  {
    name: "refuses a lone backslash in a utf-8 address",
    value: "utf-8;a\\b@x.test",
    expected: "error",
  },
  {
    name: "refuses \\x{41}, a plain character escaped",
    value: "utf-8;\\x{41}@x.test",
    expected: "error",
  },
  { name: "refuses a surrogate code point", value: "utf-8;\\x{D800}@x.test", expected: "error" },
  {
    name: "takes an escaped plus",
    value: "utf-8;a\\x{2B}b@x.test",
    expected: "utf-8;a\\x{2B}b@x.test",
  },
  { name: "refuses no value", value: null, expected: "error" },
];
for (const c of orcptCases) {
  Deno.test(`parseOrcpt() ${c.name}`, () => {
    check(parseOrcpt(c.value, { isSmtputf8: c.isSmtputf8 ?? false }), c.expected);
  });
}

/**
 * RFC 6533 3 HEXPOINT: two digits for an xtext special (00-20, 2B, 3D, 5C,
 * 7F) or 80-FF, then up to U+10FFFF without surrogates. \\x{00} is in the
 * grammar but is refused: a NUL has no place in an address.
 */
const hexPointCases: { point: string; isTaken: boolean }[] = [
  { point: "00", isTaken: false },
  { point: "01", isTaken: true },
  { point: "9", isTaken: false },
  { point: "20", isTaken: true },
  { point: "21", isTaken: false },
  { point: "3D", isTaken: true },
  { point: "5C", isTaken: true },
  { point: "7E", isTaken: false },
  { point: "7F", isTaken: true },
  { point: "80", isTaken: true },
  { point: "D7FF", isTaken: true },
  { point: "DFFF", isTaken: false },
  { point: "E000", isTaken: true },
  { point: "10FFFF", isTaken: true },
  { point: "110000", isTaken: false },
];
for (const c of hexPointCases) {
  Deno.test(`parseOrcpt() ${c.isTaken ? "takes" : "refuses"} \\x{${c.point}} in a utf-8 address`, () => {
    const value = `utf-8;a\\x{${c.point}}b@x.test`;
    check(parseOrcpt(value, { isSmtputf8: false }), c.isTaken ? value : "error");
  });
}

Deno.test("parseOrcpt() takes an addr-type it does not know, xtext-checked", () => {
  check(parseOrcpt("x-local;c+3Dus", { isSmtputf8: false }), "x-local;c+3Dus");
});

Deno.test("originalRecipientField() decodes the xtext and keeps the addr-type", () => {
  assert.equal(originalRecipientField("rfc822;a+2Bb@x.test"), "rfc822; a+b@x.test");
  assert.equal(originalRecipientField("RFC822;Bob@X.test"), "RFC822; Bob@X.test");
});

Deno.test("originalRecipientField() gives an rfc822 address whose xtext spells UTF-8 as a utf-8 one", () => {
  assert.equal(
    originalRecipientField("rfc822;joerg+2Bx@b+C3+BCcher.test"),
    "utf-8; joerg\\x{2B}x@b\\x{FC}cher.test",
  );
});

Deno.test("originalRecipientField() gives a utf-8 address in its 7-bit form", () => {
  assert.equal(originalRecipientField("utf-8;jörg@x.test"), "utf-8; j\\x{F6}rg@x.test");
  assert.equal(originalRecipientField("utf-8;j\\x{F6}rg@x.test"), "utf-8; j\\x{F6}rg@x.test");
  assert.equal(originalRecipientField("UTF-8;jörg@x.test"), "UTF-8; j\\x{F6}rg@x.test");
});

Deno.test("envelopeIdField() decodes the ENVID's xtext", () => {
  assert.equal(envelopeIdField("QQ+2B314+20x"), "QQ+314 x");
});

Deno.test("orcptOf() writes the address given in RCPT as an ORCPT", () => {
  assert.equal(orcptOf("team+dev@x.test"), "rfc822;team+2Bdev@x.test");
  assert.equal(orcptOf("équipe@x.test"), "utf-8;\\x{E9}quipe@x.test");
});

Deno.test("orcptForPeer() turns UTF-8 into \\x{HEX} only for a hop without SMTPUTF8", () => {
  assert.equal(orcptForPeer("utf-8;jörg@x.test", { hasSmtputf8: true }), "utf-8;jörg@x.test");
  assert.equal(
    orcptForPeer("utf-8;jörg@x.test", { hasSmtputf8: false }),
    "utf-8;j\\x{F6}rg@x.test",
  );
  assert.equal(orcptForPeer("rfc822;a+2Bb@x", { hasSmtputf8: false }), "rfc822;a+2Bb@x");
});
