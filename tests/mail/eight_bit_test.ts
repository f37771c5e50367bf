import assert from "node:assert/strict";
import { downgradeTo7bit, encodeQuotedPrintable, has8bitBytes } from "../../src/mail/mod.ts";

const encoder = new TextEncoder();
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const down = (text: string) => latin1(downgradeTo7bit(encoder.encode(text)));

const QP: { name: string; input: string; output: string }[] = [
  { name: "plain ASCII is unchanged", input: "hello world", output: "hello world" },
  { name: "an equals sign is encoded", input: "a=b", output: "a=3Db" },
  { name: "a trailing space is encoded", input: "a \r\nb", output: "a=20\r\nb" },
  { name: "a trailing tab is encoded", input: "a\t", output: "a=09" },
  { name: "a leading dot is encoded", input: ".x", output: "=2Ex" },
  {
    name: "a tab inside a line stays as it is (RFC 2045 6.7 rule 3)",
    input: "a\tb",
    output: "a\tb",
  },
  { name: "a DEL is encoded (RFC 2045 6.7 rule 2)", input: "a\x7fb", output: "a=7Fb" },
  { name: "high bytes become hex", input: "\xc3\xa9", output: "=C3=A9" },
  {
    name: "a long line gets soft breaks at 76",
    input: "x".repeat(100),
    output: "x".repeat(75) + "=\r\n" + "x".repeat(25),
  },
  {
    name: "an escape is never split by a soft break",
    input: "x".repeat(74) + "\xe9",
    output: "x".repeat(74) + "=\r\n=E9",
  },
  {
    name: "a hyphen opening a line after a soft break is encoded (no boundary look-alike)",
    input: "x".repeat(75) + "--b1",
    output: "x".repeat(75) + "=\r\n=2D-b1",
  },
  {
    name: "a hyphen opening a line of the text stays as it is",
    input: "-- sig",
    output: "-- sig",
  },
  {
    name: "a dot opening a line after a soft break is encoded",
    input: "x".repeat(75) + ".",
    output: "x".repeat(75) + "=\r\n=2E",
  },
];
for (const { name, input, output } of QP) {
  Deno.test(`encodeQuotedPrintable(): ${name}`, () => {
    const encoded = encodeQuotedPrintable(input);
    assert.equal(encoded, output);
    for (const line of encoded.split("\r\n")) assert.ok(line.length <= 76, line);
  });
}

const MP_HEAD = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n';

const DOWN: { name: string; input: string; expected: string }[] = [
  {
    name:
      "a binary text body becomes quoted-printable too: only BINARYMIME carries binary (RFC 3030 3)",
    input: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: binary\r\n\r\né\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n",
  },
  {
    name: "delimiter lines with transport padding still delimit (RFC 2046 5.1.1)",
    input: MP_HEAD + "\r\n--b1  \r\n\r\nü\r\n--b1--\t\r\n",
    expected: MP_HEAD + "Content-Transfer-Encoding: 7bit\r\n\r\n--b1  \r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=BC\r\n--b1--\t\r\n",
  },
  {
    name: "a delimiter line in the epilogue is epilogue text, made 7-bit as such",
    input: MP_HEAD + "\r\n--b1\r\n\r\nü\r\n--b1--\r\n--b1\r\n\r\nü\r\n",
    expected: MP_HEAD + "Content-Transfer-Encoding: 7bit\r\n\r\n--b1\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=BC\r\n--b1--\r\n--b1\r\n\r\n??\r\n",
  },
  {
    // Its inner body claims quoted-printable yet holds 8-bit bytes: only encoding the whole
    // message/global makes it 7-bit (RFC 6532 3.5 allows that encoding).
    name: "a message/global that stays 8-bit inside is encoded as a whole",
    input: "MIME-Version: 1.0\r\nContent-Type: message/global\r\n\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\né\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: message/global\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n",
  },
  {
    name: "a 7-bit message is returned unchanged",
    input: "Subject: a\r\n\r\nplain\r\n",
    expected: "Subject: a\r\n\r\nplain\r\n",
  },
  {
    name: "an 8-bit text body becomes quoted-printable with MIME-Version added",
    input: "Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncafé\r\n",
    expected: "Subject: a\r\nContent-Type: text/plain; charset=utf-8\r\nMIME-Version: 1.0\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n",
  },
  {
    name: "an existing 8bit Content-Transfer-Encoding (folded) is replaced",
    input: "MIME-Version: 1.0\r\nContent-Transfer-Encoding:\r\n 8bit\r\nX: y\r\n\r\né\r\n",
    expected: "MIME-Version: 1.0\r\nX: y\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=A9\r\n",
  },
  {
    name: "an 8-bit non-text part becomes base64",
    input: "Content-Type: application/octet-stream\r\nMIME-Version: 1.0\r\n\r\n\xff",
    expected: "Content-Type: application/octet-stream\r\nMIME-Version: 1.0\r\n" +
      "Content-Transfer-Encoding: base64\r\n\r\nw78=\r\n",
  },
  {
    name: "a multipart keeps boundaries and converts only the 8-bit part",
    input: 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      "pre\r\n--b1\r\nContent-Type: text/plain\r\n\r\nascii\r\n" +
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
      "ü\r\n--b1--\r\nepilogue\r\n",
    expected: 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n' +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "pre\r\n--b1\r\nContent-Type: text/plain\r\n\r\nascii\r\n" +
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=BC\r\n--b1--\r\nepilogue\r\n",
  },
  {
    name: "a nested multipart is walked",
    input: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
      "--inner\r\nContent-Type: text/plain\r\n\r\nñ\r\n--inner--\r\n--outer--\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "--inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=B1\r\n--inner--\r\n--outer--\r\n",
  },
  {
    name:
      "an attached message without MIME-Version gets one with its new encoding (RFC 2045 4: an embedded message needs it for its MIME fields to count)",
    input: "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" +
      "Subject: inner\r\n\r\ncafé\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "Subject: inner\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "caf=C3=A9\r\n",
  },
  {
    name: "a digest's attached messages (message/rfc822 by default) get MIME-Version too",
    input: "MIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n" +
      "--d\r\n\r\nSubject: one\r\n\r\nñ\r\n--d--\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=d\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "--d\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
      "Subject: one\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=B1\r\n--d--\r\n",
  },
  {
    name:
      "a MIME part of a multipart gets no MIME-Version (RFC 2045 4: not required in a body part)",
    input: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
      "--b\r\nContent-Type: text/plain\r\n\r\nñ\r\n--b--\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n" +
      "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=B1\r\n--b--\r\n",
  },
  {
    name: "8-bit bytes in a preamble become question marks",
    input: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
      "é\r\n--b\r\n\r\nx\r\n--b--\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n" +
      "Content-Transfer-Encoding: 7bit\r\n\r\n??\r\n--b\r\n\r\nx\r\n--b--\r\n",
  },
  {
    name: "an 8bit encoding with a comment beside it (RFC 2045 6.1) is still converted",
    input: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit (as written)\r\n\r\né\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
      "=C3=A9\r\n",
  },
  {
    name: "a part already in base64 is left alone",
    input: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n\xe9\r\n",
    expected: "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n\xe9\r\n",
  },
];
for (const { name, input, expected } of DOWN) {
  Deno.test(`downgradeTo7bit(): ${name}`, () => {
    assert.equal(down(input), latin1(encoder.encode(expected)));
  });
}

Deno.test("downgradeTo7bit() output of an 8-bit multipart has no 8-bit bytes", () => {
  const out = downgradeTo7bit(encoder.encode(DOWN[4]!.input));
  assert.equal(has8bitBytes(out), false);
});

Deno.test("downgradeTo7bit() keeps bytes 0x80-0x9F exact", () => {
  const input = new Uint8Array([...encoder.encode("Subject: x\r\n\r\n"), 0x80, 0x9f]);
  assert.equal(latin1(downgradeTo7bit(input)).endsWith("=80=9F"), true);
});

Deno.test("has8bitBytes() finds a high byte at every position and alignment", () => {
  const backing = new Uint8Array(64).fill(0x61);
  for (let offset = 0; offset < 4; offset++) {
    for (let length = 0; length <= 20; length++) {
      const view = backing.subarray(offset, offset + length);
      assert.equal(has8bitBytes(view), false, `clean offset=${offset} length=${length}`);
      for (let at = 0; at < length; at++) {
        view[at] = 0x80;
        assert.equal(has8bitBytes(view), true, `offset=${offset} length=${length} at=${at}`);
        view[at] = 0x61;
      }
    }
  }
  // Bytes outside the view do not count.
  backing[0] = 0xff;
  assert.equal(has8bitBytes(backing.subarray(1, 9)), false);
});

Deno.test("downgradeTo7bit() reads a Content-Type with a blank before its colon and cuts base64 into 76-character lines", () => {
  // Obsolete field syntax (RFC 5322 4.5) still names the type; base64 lines are at most 76
  // characters (RFC 2045 6.8).
  const input = "MIME-Version: 1.0\r\nContent-Type : application/octet-stream\r\n\r\n" +
    "\xff".repeat(60);
  const output = latin1(downgradeTo7bit(Uint8Array.from(input, (char) => char.charCodeAt(0))));
  assert.equal(
    output,
    "MIME-Version: 1.0\r\nContent-Type : application/octet-stream\r\n" +
      "Content-Transfer-Encoding: base64\r\n\r\n" + "/".repeat(76) + "\r\n////\r\n",
  );
});
