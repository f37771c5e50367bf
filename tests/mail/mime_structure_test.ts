import assert from "node:assert/strict";
import { type MimePart, parseMimeStructure } from "../../src/mail/mod.ts";
import { headerValue, paramValue, parseContentType } from "../../src/mail/mime_structure.ts";

/** What IMAP's BODYSTRUCTURE shows of a part: its type and its body's bytes. */
function shape(message: string, part: MimePart): string {
  return `${part.type}/${part.subtype} ${
    JSON.stringify(message.slice(part.bodyStart, part.bodyEnd))
  }`;
}

/** Every entity of the tree, the root first. */
function entities(part: MimePart): MimePart[] {
  return [part, ...part.parts.flatMap(entities), ...(part.message ? entities(part.message) : [])];
}

const MP = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";

const STRUCTURE_CASES: { name: string; message: string; parts: string[] }[] = [
  {
    name: "a multipart without a close delimiter keeps its last part, to the end",
    message: MP + "--b\r\n\r\nx\r\n--b\r\n\r\ny",
    parts: ['text/plain "x"', 'text/plain "y"'],
  },
  {
    name: "a multipart without a boundary is one empty text part (IMAP needs one)",
    message: "Content-Type: multipart/mixed\r\n\r\nx\r\n",
    parts: ['text/plain ""'],
  },
  {
    name: "a multipart without a boundary whose body starts with a bare LF is one empty part",
    message: "Content-Type: multipart/mixed\r\n\r\n\nx\n",
    parts: ['text/plain ""'],
  },
  {
    name: "a part with a header and no body has an empty body (the CRLF is the delimiter's)",
    message: MP + "--b\r\nContent-Type: text/html\r\n\r\n--b--\r\n",
    parts: ['text/html ""'],
  },
  {
    name: "a part with a header and no body has an empty body, bare LFs",
    message: "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n--b--\n",
    parts: ['text/html ""'],
  },
  {
    name: "the bare LF before a delimiter belongs to the delimiter (RFC 2046 5.1.1)",
    message: "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
    parts: ['text/plain "x"'],
  },
  {
    name: "a parameter folded onto a line starting with a tab is read (RFC 5322 2.2.3)",
    message: "Content-Type: multipart/mixed;\r\n\tboundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
    parts: ['text/plain "x"'],
  },
  {
    name: "a part of a digest without Content-Type is message/rfc822 (RFC 2046 5.1.5)",
    message:
      "Content-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: s\r\n\r\nx\r\n--b--\r\n",
    parts: ['message/rfc822 "Subject: s\\r\\n\\r\\nx"'],
  },
];

for (const c of STRUCTURE_CASES) {
  Deno.test(`parseMimeStructure(): ${c.name}`, () => {
    const root = parseMimeStructure(c.message);
    assert.deepEqual(root.parts.map((part) => shape(c.message, part)), c.parts);
    for (const part of entities(root)) {
      assert.ok(
        part.headerStart <= part.bodyStart,
        `header ends before it starts: ${shape(c.message, part)}`,
      );
      assert.ok(
        part.bodyStart <= part.bodyEnd,
        `body ends before it starts: ${shape(c.message, part)}`,
      );
    }
  });
}

Deno.test("parseMimeStructure(): a message that starts with a bare LF blank line has an empty header", () => {
  const root = parseMimeStructure("\nbody\n");
  assert.deepEqual([root.header, root.bodyStart, root.bodyEnd], ["\n", 1, 6]);
});

Deno.test("parseMimeStructure(): an inner multipart ending in an opening delimiter line gives no part that ends before it starts", () => {
  // The inner delimiter line's LF lies past the inner body's end (it is the outer delimiter's).
  const message = MP +
    "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c\r\n--b--\r\n";
  for (const part of entities(parseMimeStructure(message))) {
    assert.ok(
      part.headerStart <= part.bodyStart && part.bodyStart <= part.bodyEnd,
      shape(message, part),
    );
  }
});

/** `depth` multiparts, each holding the next as its one part, around a text part. */
function nestedMultiparts(depth: number): string {
  let body = "Content-Type: text/plain\r\n\r\ninnermost\r\n";
  for (let i = depth; i > 0; i--) {
    body = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  }
  return body;
}

Deno.test("parseMimeStructure(): a multipart 20 levels down is not split (one empty part)", () => {
  const message = nestedMultiparts(22);
  let part = parseMimeStructure(message);
  for (let depth = 0; depth < 20; depth++) part = part.parts[0]!;
  assert.equal(part.type, "multipart");
  assert.deepEqual(part.parts.map((child) => shape(message, child)), ['text/plain ""']);
});

Deno.test("parseMimeStructure(): an embedded message 20 levels down is an empty one", () => {
  const message = "Content-Type: message/rfc822\r\n\r\n".repeat(22) + "Subject: deep\r\n\r\nx\r\n";
  let part = parseMimeStructure(message);
  for (let depth = 0; depth < 20; depth++) part = part.message!;
  assert.equal(`${part.type}/${part.subtype}`, "message/rfc822");
  assert.deepEqual([part.message!.bodyStart, part.message!.bodyEnd], [
    part.bodyStart,
    part.bodyStart,
  ]);
});

const CONTENT_TYPE_CASES: [string, string, string][] = [
  ["lower-cases the type and subtype (RFC 2045 5.1)", "TEXT/HTML", "text/html"],
  ["allows blanks around the slash", "text / html", "text/html"],
];
for (const [name, value, expected] of CONTENT_TYPE_CASES) {
  Deno.test(`parseContentType() ${name}`, () => {
    const { type, subtype } = parseContentType(value);
    assert.equal(`${type}/${subtype}`, expected);
  });
}

const PARAM_CASES: [string, string, string | undefined][] = [
  ["undoes an escaped quote in a quoted value", '; name="a\\"b"', 'a"b'],
  ["takes an extended value without charset quotes as it is", "; name*=abc", "abc"],
  ["undoes lower-case percent escapes (RFC 2231 4)", "; name*=utf-8''a%2fb", "a/b"],
  ["stops at a missing section (RFC 2231 3)", "; name*0=a; name*2=c; x=1; y=2", "a"],
  ["reads a parameter name in any case (RFC 2045 5.1)", "; NAME=a", "a"],
  ["keeps the first of a section written twice", "; name*0=a; name*0=b; name*1=c", "ac"],
  [
    "reads charset and language only in the first section (RFC 2231 4.1)",
    "; name*0*=us-ascii'en'a; name*1*=b'c'd",
    "ab'c'd",
  ],
];
for (const [name, text, expected] of PARAM_CASES) {
  Deno.test(`paramValue() ${name}`, () => {
    assert.equal(paramValue(parseContentType(`text/plain${text}`).params, "name"), expected);
  });
}

Deno.test("headerValue() unfolds a value folded with bare LFs", () => {
  assert.equal(
    headerValue("Content-Type: text/plain;\n charset=x\n", "content-type"),
    "text/plain; charset=x",
  );
});
