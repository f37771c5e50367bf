/** The base subject of RFC 5256 2.1: a table of the artifacts mail programs add to subjects. */
import assert from "node:assert/strict";
import { baseSubject, baseSubjectOf } from "../../src/imap/base_subject.ts";

const CASES: [string, string, string][] = [
  ["a plain subject is itself", "hello", "hello"],
  ["an empty subject is empty", "", ""],
  ["blanks alone leave nothing", "  \t ", ""],
  ["Re: goes", "Re: hello", "hello"],
  ["RE:, re: and rE: go alike", "rE: RE: re: hello", "hello"],
  ["Fw: and Fwd: go", "Fw: Fwd: hello", "hello"],
  ["blanks before the colon are allowed", "Re : Fwd\t: hello", "hello"],
  ["a counter blob inside Re is part of it", "Re[2]: hello", "hello"],
  ["a counter blob may have blanks on both sides", "Re [2] : hello", "hello"],
  ["a blob before Re: goes with it", "[list] Re: hello", "hello"],
  ["nested Re: [list] Fwd: Re: all go", "Re: [list] Fwd: Re: hello", "hello"],
  ["a leading blob goes when text follows", "[list] topic", "topic"],
  ["several leading blobs go", "[a] [b] topic", "topic"],
  ["a blob that is the whole subject stays", "[list]", "[list]"],
  ["of blobs alone, the last stays", "[a] [b]", "[b]"],
  ["a blob after Re: that is all stays", "Re: [list]", "[list]"],
  ["a trailing (fwd) goes", "hello (fwd)", "hello"],
  ["(FWD) goes without case, as often as it comes", "hello (fwd) (FWD)(fwd)", "hello"],
  ["a (fwd) that is the whole subject goes", "(fwd)", ""],
  ["Re: that is the whole subject leaves nothing", "Re:", ""],
  ["a [fwd: ...] wrapper goes", "[fwd: hello]", "hello"],
  ["inside a wrapper, Re: goes too", "[Fwd: Re: hello]", "hello"],
  ["a wrapper after Re: goes", "Re: [fwd: Re: [list] hello] (fwd)", "hello"],
  ["a wrapper with text after its bracket stays", "[fwd: a] b", "b"],
  ["[fwd: without its closing bracket stays", "[fwd: hello", "[fwd: hello"],
  ["an empty wrapper leaves nothing (step 6 takes off both ends)", "[fwd:]", ""],
  ["runs of blanks become one", "hello    big\t\tworld", "hello big world"],
  ["a folded subject is unfolded", "hello\r\n world", "hello world"],
  ["trailing blanks go", "hello   ", "hello"],
  ["Reply: is a word, not a prefix", "Reply: hello", "Reply: hello"],
  ["Re without a colon stays", "Re hello", "Re hello"],
  ["Refwd in the middle stays", "hello Re: world", "hello Re: world"],
  ["an unclosed bracket is text", "[list hello", "[list hello"],
  ["Q-encoded UTF-8 is decoded", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Grüße"],
  ["B-encoded UTF-8 is decoded", "=?UTF-8?B?w5xiZXJ3ZWlzdW5n?=", "Überweisung"],
  ["ISO-8859-1 is decoded", "=?iso-8859-1?q?K=F6ln?=", "Köln"],
  ["KOI8-R is decoded", "=?koi8-r?b?8NLJ18XU?=", "Привет"],
  ["Shift_JIS is decoded", "=?shift_jis?b?k/qWe4zq?=", "日本語"],
  ["an encoded Re: goes after decoding", "=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=", "Grüße"],
  ["an encoded list tag goes", "=?utf-8?q?=5BVerein_K=C3=B6ln=5D?= Treffen", "Treffen"],
  ["blanks between encoded words are dropped", "=?utf-8?q?a?= =?utf-8?q?b?=", "ab"],
  ["raw UTF-8 (RFC 6532) is read as such", "Re: Gr\xc3\xbc\xc3\x9fe", "Grüße"],
];

for (const [name, raw, expected] of CASES) {
  Deno.test(`baseSubject(): ${name}`, () => {
    assert.equal(baseSubject(raw), expected);
  });
}

Deno.test("baseSubject() of 20,000 list tags is the last one, in one pass", () => {
  // Each step must not rescan the rest: 60,000 characters of "[a]" run in one pass.
  assert.equal(baseSubject("[a]".repeat(20_000)), "[a]");
  assert.equal(baseSubject("Re: ".repeat(20_000) + "x"), "x");
  assert.equal(baseSubject("[fwd: ".repeat(5_000) + "x" + "]".repeat(5_000)), "x");
});

/** Whether a subject is a reply or forward (THREAD REFERENCES, RFC 5256 3 step 5). */
const REPLIES: [string, string, boolean][] = [
  ["a plain subject is none", "hello", false],
  ["Re: makes one", "Re: hello", true],
  ["Fwd: makes one", "Fwd: hello", true],
  ["a counter blob inside Re makes one", "Re[2]: hello", true],
  ["a trailing (fwd) makes one", "hello (fwd)", true],
  ["a [fwd: ...] wrapper makes one", "[fwd: hello]", true],
  ["Re: inside a wrapper makes one", "[list] [fwd: Re: hello]", true],
  ["a list tag alone makes none", "[list] hello", false],
  ["blanks alone make none", "  hello  ", false],
  ["Re without a colon makes none", "Re hello", false],
  ["an encoded Re: makes one", "=?utf-8?q?Re=3A_x?=", true],
  ["Re: as the whole subject makes one", "Re:", true],
];
for (const [name, raw, expected] of REPLIES) {
  Deno.test(`baseSubjectOf(): ${name}`, () => {
    const base = baseSubjectOf(raw);
    assert.equal(base.isReplyOrForward, expected);
    assert.equal(base.text, baseSubject(raw));
  });
}
