/**
 * The 8BITMIME downgrade checked against an oracle nobody here wrote:
 * Python's `email` package parses each original and its 7-bit form, and
 * every leaf part must have the same media type and decode to the same
 * bytes. The converted form must also be 7-bit, keep lines within 998
 * octets (76 in quoted-printable bodies) and name one transfer encoding per part.
 */
import assert from "node:assert/strict";
import { fitMessageToPeer } from "../../src/mail/mod.ts";
import { python } from "../e2e/harness.ts";

const HEAD = "From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\n";
const MULTI = (boundary: string) =>
  `${HEAD}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`;

/** Messages as binary strings (one char per byte): "é" here is the byte 0xE9. */
const CASES: { name: string; message: string }[] = [
  {
    name: "a UTF-8 text body",
    message: `${HEAD}Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xc3\xa9\r\n`,
  },
  {
    name: "a Latin-1 text body without MIME headers",
    message: `${HEAD}\r\ncaf\xe9 \r\n.\r\n..x\r\n`,
  },
  {
    name: "a multipart with a text part and a binary part",
    message: MULTI("b1") + "pre\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
      "Content-Transfer-Encoding: 8bit\r\n\r\nhi \xc3\xa9\r\n--b1\r\n" +
      "Content-Type: application/octet-stream\r\n\r\n\x00\x01\xff\xfe\r\n--b1--\r\nepi\r\n",
  },
  {
    name: "a part with an empty header section",
    message: MULTI("b1") + "--b1\r\n\r\nhi \xc3\xa9\r\n--b1--\r\n",
  },
  {
    name: "a part with an empty header section and a blank line in its body",
    message: MULTI("b1") + "--b1\r\n\r\nhi \xc3\xa9\r\nmore\r\n\r\nlast \xc3\xa9\r\n--b1--\r\n",
  },
  {
    name: "an attached message with an 8-bit body",
    message: MULTI("b1") + "--b1\r\nContent-Type: message/rfc822\r\n\r\n" +
      "Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
      "inner \xc3\xa9\r\n--b1--\r\n",
  },
  {
    name: "a digest whose parts are messages by default",
    message: `${HEAD}MIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n` +
      "--d\r\n\r\nSubject: one\r\n\r\nfirst \xc3\xa9\r\n--d\r\n\r\nSubject: two\r\n" +
      "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nsecond \xe9\r\n--d--\r\n",
  },
  {
    name: "a text line whose soft line break would leave a boundary delimiter on a line",
    message: MULTI("b1") + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9\r\n" +
      "a".repeat(75) +
      "--b1\r\nend\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b1--\r\n",
  },
  {
    name: 'a multipart whose Content-Type quotes "boundary=" in another parameter',
    message: `${HEAD}MIME-Version: 1.0\r\n` +
      'Content-Type: multipart/mixed; x-note="see; boundary=zz"; boundary=b1\r\n\r\n' +
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx \xc3\xa9\r\n--b1--\r\n",
  },
  {
    name: "a multipart whose boundary is an RFC 2231 extended value",
    message: `${HEAD}MIME-Version: 1.0\r\n` +
      "Content-Type: multipart/mixed; boundary*=us-ascii'en'b%3D1\r\n\r\n" +
      "--b=1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx \xc3\xa9\r\n" +
      "--b=1\r\nContent-Type: application/octet-stream\r\n\r\n\xff\r\n--b=1--\r\n",
  },
  {
    name: "a multipart whose boundary is split into RFC 2231 sections",
    message: `${HEAD}MIME-Version: 1.0\r\n` +
      'Content-Type: multipart/mixed;\r\n boundary*0="first-half";\r\n boundary*1*=%2Dsecond\r\n\r\n' +
      "--first-half-second\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx \xc3\xa9\r\n" +
      "--first-half-second--\r\n",
  },
];

for (const { name, message } of CASES) {
  Deno.test(`8BITMIME downgrade keeps ${name} decodable and equal (Python email)`, async () => {
    const original = Uint8Array.from(message, (ch) => ch.charCodeAt(0));
    const form = fitMessageToPeer({
      message: original,
      addresses: ["a@example.com", "b@example.org"],
      isSmtputf8: false,
    }, { has8bitMime: false, hasSmtputf8: false });
    assert.equal(form.kind, "send", form.kind === "refused" ? form.reason : "");
    if (form.kind !== "send") return;
    assert.equal(form.isBody8bit, false);
    const problems = await python(ORACLE, [
      original.toBase64(),
      form.message.toBase64(),
    ]);
    assert.equal(problems, "", problems);
  });
}

const ORACLE = `
import sys, base64, email, email.policy
a_raw, b_raw = (base64.b64decode(x) for x in sys.argv[1:3])
def leaves(m, path="0"):
    if m.is_multipart():
        out = []
        for i, p in enumerate(m.get_payload()):
            out += leaves(p, path + "." + str(i))
        return out
    return [(path, m.get_content_type(), m.get_payload(decode=True), m)]
problems = []
if any(b >= 0x80 for b in b_raw):
    problems.append("8-bit bytes remain")
if any(len(line) > 998 for line in b_raw.split(b"\\r\\n")):
    problems.append("a line is longer than 998 octets")
a = email.message_from_bytes(a_raw, policy=email.policy.compat32)
b = email.message_from_bytes(b_raw, policy=email.policy.compat32)
la, lb = leaves(a), leaves(b)
if len(la) != len(lb):
    problems.append(f"{len(la)} leaf parts became {len(lb)}")
for x, y in zip(la, lb):
    if x[1] != y[1]:
        problems.append(f"part {x[0]}: type {x[1]} became {y[1]}")
    if x[2] != y[2]:
        problems.append(f"part {x[0]}: payload {x[2][:50]!r} became {y[2][:50]!r}")
    ctes = y[3].get_all("Content-Transfer-Encoding") or []
    if len(ctes) > 1:
        problems.append(f"part {x[0]}: {len(ctes)} Content-Transfer-Encoding fields")
    if ctes and ctes[0].strip().lower() == "quoted-printable":
        if any(len(line) > 76 for line in y[3].get_payload().split("\\r\\n")):
            problems.append(f"part {x[0]}: a quoted-printable line is longer than 76")
print("\\n".join(problems), end="")
`;
