/**
 * RFC 2231 parameter values for 7-bit peers: exact forms for a table of
 * cases, and Python's email package (a reader nobody here wrote) decoding
 * every one of them back to the original name.
 */
import assert from "node:assert/strict";
import { encodeHeaderSection } from "../../src/mail/mod.ts";
import { bytesToBinary } from "../../src/mail/mime_structure.ts";
import { python } from "../e2e/harness.ts";

const bin = (text: string) => bytesToBinary(new TextEncoder().encode(text));

const CASES: { name: string; input: string; output: string }[] = [
  {
    name: "a quoted UTF-8 name becomes one extended value",
    input: 'Content-Type: text/plain; name="€uro.txt"\r\n',
    output: "Content-Type: text/plain; name*=utf-8''%E2%82%ACuro.txt\r\n",
  },
  {
    name: "a token value is encoded too, and 7-bit parameters stay as they are",
    input: "Content-Type: application/pdf; charset=us-ascii; name=résumé.pdf\r\n",
    output:
      "Content-Type: application/pdf; charset=us-ascii;\r\n name*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n",
  },
  {
    name: "spaces, quotes, percent signs and specials inside the value are escaped",
    input: 'Content-Disposition: attachment; filename="ä \\"q\\" 100%;(x).txt"\r\n',
    output:
      "Content-Disposition: attachment;\r\n filename*=utf-8''%C3%A4%20%22q%22%20100%25%3B%28x%29.txt\r\n",
  },
  {
    name: "a long name is split into numbered sections, never inside an escape",
    input: 'Content-Disposition: attachment; filename="Grüße aus Köln – ein sehr langer ' +
      'Dateiname für den Test.pdf"; size=1234\r\n',
    output: "Content-Disposition: attachment;\r\n" +
      " filename*0*=utf-8''Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln%20%E2%80%93%20ein%20seh;\r\n" +
      " filename*1*=r%20langer%20Dateiname%20f%C3%BCr%20den%20Test.pdf; size=1234\r\n",
  },
  {
    name: "a semicolon in a quoted 7-bit value does not split the field",
    input: 'Content-Type: text/plain; x="a;b"; name="ü"\r\n',
    output: "Content-Type: text/plain; x=\"a;b\"; name*=utf-8''%C3%BC\r\n",
  },
];

for (const c of CASES) {
  Deno.test(`RFC 2231: ${c.name}`, () => {
    const out = encodeHeaderSection(bin(c.input));
    assert.equal(out, c.output);
    for (const line of out.split("\r\n")) assert.ok(line.length <= 78, `short line: ${line}`);
  });
}

/** Comments (RFC 2045 5.1) around a value are not part of it. */
const COMMENT_CASES: { name: string; input: string; output: string }[] = [
  {
    name: "an 8-bit comment after a 7-bit value is dropped, the value kept as it was",
    input: 'Content-Type: text/plain; charset=us-ascii (für Max); name="a.txt"\r\n',
    output: 'Content-Type: text/plain; charset=us-ascii; name="a.txt"\r\n',
  },
  {
    name: "a comment after an 8-bit token value is not encoded into the name",
    input: "Content-Type: text/plain; name=résumé.pdf (CV)\r\n",
    output: "Content-Type: text/plain; name*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n",
  },
  {
    name: "a comment after an 8-bit quoted value does not make it unreadable",
    input: 'Content-Type: text/plain; name="résumé.pdf" (the (new) CV)\r\n',
    output: "Content-Type: text/plain; name*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n",
  },
  {
    name: "parentheses inside a quoted value are the value's own",
    input: 'Content-Type: text/plain; name="ü (1).txt"\r\n',
    output: "Content-Type: text/plain; name*=utf-8''%C3%BC%20%281%29.txt\r\n",
  },
];

for (const c of COMMENT_CASES) {
  Deno.test(`RFC 2231: ${c.name}`, () => {
    assert.equal(encodeHeaderSection(bin(c.input)), c.output);
  });
}

const ALL_ESCAPES = "日本語のファイル名".repeat(4) + ".txt";

Deno.test("RFC 2231: sections of a name made only of escapes never split one", () => {
  const out = encodeHeaderSection(bin(`Content-Type: text/plain; name="${ALL_ESCAPES}"\r\n`));
  const sections = [...out.matchAll(/name\*\d+\*=(?:utf-8'')?([^;\r]*)/g)].map((m) => m[1]!);
  assert.ok(sections.length > 2);
  for (const section of sections) assert.match(section, /^(%[0-9A-F]{2}|[A-Za-z0-9.])+$/);
  for (const line of out.split("\r\n")) assert.ok(line.length <= 78, `short line: ${line}`);
});

Deno.test("RFC 2231: Python's email package reads every encoded name back", async () => {
  const fields = [
    ...CASES.map((c) => encodeHeaderSection(bin(c.input))),
    encodeHeaderSection(bin(`Content-Type: text/plain; name="${ALL_ESCAPES}"\r\n`)),
  ];
  const script = `
import sys, json, email, email.policy
for field in json.loads(sys.argv[1]):
    msg = email.message_from_string(field + "\\r\\n", policy=email.policy.compat32)
    name = msg.get_filename() if "Disposition" in field else msg.get_param("name")
    print(email.utils.collapse_rfc2231_value(name))
`;
  const names = (await python(script, [JSON.stringify(fields)])).trimEnd().split("\n");
  assert.deepEqual(names, [
    "€uro.txt",
    "résumé.pdf",
    'ä "q" 100%;(x).txt',
    "Grüße aus Köln – ein sehr langer Dateiname für den Test.pdf",
    "ü",
    ALL_ESCAPES,
  ]);
});
