import assert from "node:assert/strict";
import { fitMessageToPeer, type PeerAbilities } from "../../src/mail/mod.ts";
import { MAX_MIME_NESTING } from "../../src/mail/eight_bit.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
const OLD: PeerAbilities = { has8bitMime: false, hasSmtputf8: false };
const EIGHT: PeerAbilities = { has8bitMime: true, hasSmtputf8: false };
const MODERN: PeerAbilities = { has8bitMime: true, hasSmtputf8: true };
const ASCII_ADDRESSES = ["a@example.com", "b@example.net"];

const cases: {
  name: string;
  message: string;
  addresses?: string[];
  isSmtputf8?: boolean;
  peer: PeerAbilities;
  expect: { kind: "refused"; reason: RegExp; status: string } | {
    kind: "send";
    isBody8bit: boolean;
    isSmtputf8: boolean;
    isUnchanged: boolean;
    is7bit: boolean;
  };
}[] = [
  {
    name: "sends a 7-bit message unchanged to an old peer",
    message: "Subject: hi\r\n\r\nhello\r\n",
    peer: OLD,
    expect: { kind: "send", isBody8bit: false, isSmtputf8: false, isUnchanged: true, is7bit: true },
  },
  {
    name: "encodes the header and the body for a peer without 8BITMIME",
    message: "Subject: Grüße\r\n\r\ncafé\r\n",
    peer: OLD,
    expect: {
      kind: "send",
      isBody8bit: false,
      isSmtputf8: false,
      isUnchanged: false,
      is7bit: true,
    },
  },
  {
    name: "encodes only the header for an 8BITMIME peer without SMTPUTF8",
    message: "Subject: Grüße\r\n\r\ncafé\r\n",
    peer: EIGHT,
    expect: {
      kind: "send",
      isBody8bit: true,
      isSmtputf8: false,
      isUnchanged: false,
      is7bit: false,
    },
  },
  {
    name: "sends raw UTF-8 headers with SMTPUTF8 to a peer that offers it",
    message: "Subject: Grüße\r\n\r\ncafé\r\n",
    peer: MODERN,
    expect: { kind: "send", isBody8bit: true, isSmtputf8: true, isUnchanged: true, is7bit: false },
  },
  {
    name: "refuses a UTF-8 envelope address to a peer without SMTPUTF8",
    message: "Subject: x\r\n\r\nx\r\n",
    addresses: ["jürgen@example.com", "b@example.net"],
    isSmtputf8: true,
    peer: EIGHT,
    expect: { kind: "refused", reason: /SMTPUTF8/, status: "5.6.7" },
  },
  {
    name: "keeps a UTF-8 envelope address for a peer with SMTPUTF8",
    message: "From: jürgen@example.com\r\n\r\nx\r\n",
    addresses: ["jürgen@example.com", "b@example.net"],
    isSmtputf8: true,
    peer: MODERN,
    expect: { kind: "send", isBody8bit: true, isSmtputf8: true, isUnchanged: true, is7bit: false },
  },
  {
    name: "refuses an 8-bit local part in a header for a peer without SMTPUTF8",
    message: "From: jürgen@example.com\r\n\r\nx\r\n",
    peer: EIGHT,
    expect: { kind: "refused", reason: /local part/, status: "5.6.7" },
  },
  {
    name: "sends a message flagged SMTPUTF8 that needs none of it to an old peer",
    message: "Subject: plain\r\n\r\nx\r\n",
    isSmtputf8: true,
    peer: OLD,
    expect: { kind: "send", isBody8bit: false, isSmtputf8: false, isUnchanged: true, is7bit: true },
  },
  {
    name:
      "refuses a part that claims quoted-printable but holds raw 8-bit, for an old peer, as a conversion it cannot make (5.6.3)",
    message: "Content-Transfer-Encoding: quoted-printable\r\n\r\ncafé\r\n",
    peer: OLD,
    expect: { kind: "refused", reason: /7-bit/, status: "5.6.3" },
  },
  {
    name:
      "sends an all-ASCII message flagged SMTPUTF8 without the parameter to a peer that offers it (RFC 6531 3.4: SHOULD NOT)",
    message: "Subject: plain\r\n\r\nx\r\n",
    isSmtputf8: true,
    peer: MODERN,
    expect: { kind: "send", isBody8bit: false, isSmtputf8: false, isUnchanged: true, is7bit: true },
  },
  {
    name: "encodes a MIME part's 8-bit Content-Description for an old peer",
    message: 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
      "--b\r\nContent-Description: Übersicht\r\n\r\nx\r\n--b--\r\n",
    peer: OLD,
    expect: {
      kind: "send",
      isBody8bit: false,
      isSmtputf8: false,
      isUnchanged: false,
      is7bit: true,
    },
  },
];

const wireCases: {
  name: string;
  addresses: string[];
  peer: PeerAbilities;
  wire: string[] | null;
}[] = [
  {
    name:
      "writes a U-label domain in A-labels for a peer without SMTPUTF8 (RFC 5890: the same domain)",
    addresses: ["a@example.com", "bob@bücher.example"],
    peer: EIGHT,
    wire: ["a@example.com", "bob@xn--bcher-kva.example"],
  },
  {
    name: "keeps a U-label domain as written for a peer with SMTPUTF8",
    addresses: ["a@example.com", "bob@bücher.example"],
    peer: MODERN,
    wire: ["a@example.com", "bob@bücher.example"],
  },
  {
    name: "refuses a UTF-8 local part on a U-label domain for a peer without SMTPUTF8",
    addresses: ["a@example.com", "jörg@bücher.example"],
    peer: OLD,
    wire: null,
  },
  {
    name: "refuses a domain whose A-label is longer than 63 octets for a peer without SMTPUTF8",
    addresses: ["a@example.com", "bob@한中ψżあ€żłğøहşż中şşşџжア한ψжაçџö.example"],
    peer: EIGHT,
    wire: null,
  },
];
for (const c of wireCases) {
  Deno.test(`fitMessageToPeer() ${c.name}`, () => {
    const form = fitMessageToPeer(
      { message: utf8("Subject: x\r\n\r\nx\r\n"), addresses: c.addresses, isSmtputf8: true },
      c.peer,
    );
    if (c.wire === null) {
      assert.equal(form.kind, "refused");
      return;
    }
    assert.equal(form.kind, "send");
    if (form.kind === "send") assert.deepEqual(form.addresses, c.wire);
  });
}

for (const c of cases) {
  Deno.test(`fitMessageToPeer() ${c.name}`, () => {
    const message = utf8(c.message);
    const form = fitMessageToPeer({
      message,
      addresses: c.addresses ?? ASCII_ADDRESSES,
      isSmtputf8: c.isSmtputf8 ?? false,
    }, c.peer);
    if (c.expect.kind === "refused") {
      assert.equal(form.kind, "refused");
      if (form.kind === "refused") {
        assert.match(form.reason, c.expect.reason);
        assert.equal(form.status, c.expect.status);
      }
      return;
    }
    assert.equal(form.kind, "send");
    if (form.kind !== "send") return;
    assert.equal(form.isBody8bit, c.expect.isBody8bit);
    assert.equal(form.isSmtputf8, c.expect.isSmtputf8);
    assert.equal(latin1(form.message) === latin1(message), c.expect.isUnchanged);
    assert.equal(!/[\x80-\xff]/.test(latin1(form.message)), c.expect.is7bit);
  });
}

Deno.test("an attachment with a UTF-8 file name reaches a 7-bit peer with an RFC 2231 name", () => {
  const message = "MIME-Version: 1.0\r\n" +
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' +
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n" +
    '--b\r\nContent-Type: application/pdf; name="Bücher.pdf"\r\n' +
    'Content-Disposition: attachment; filename="Bücher.pdf"\r\n' +
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n";
  const form = fitMessageToPeer(
    { message: utf8(message), addresses: ASCII_ADDRESSES, isSmtputf8: false },
    OLD,
  );
  assert.equal(form.kind, "send");
  if (form.kind !== "send") return;
  const out = latin1(form.message);
  assert.ok(!/[\x80-\xff]/.test(out), "7-bit");
  assert.match(out, /Content-Type: application\/pdf; name\*=utf-8''B%C3%BCcher\.pdf\r\n/);
  assert.match(out, /Content-Disposition: attachment; filename\*=utf-8''B%C3%BCcher\.pdf\r\n/);
  assert.match(out, /JVBERi0=/);
});

/** A message whose 8-bit text lies under `levels` attached messages (binary string). */
function nestedMessage(levels: number, header = "Subject: deep\r\n"): string {
  return header + "Content-Type: message/rfc822\r\n\r\n".repeat(levels) +
    "Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xc3\xa9\r\n";
}
const binary = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

const nestingCases: {
  name: string;
  levels: number;
  header?: string;
  peer: PeerAbilities;
  expect: "refused" | "unchanged" | "converted";
}[] = [
  {
    name: "sends a message nested 20,000 levels deep as it is to a peer with 8BITMIME",
    levels: 20_000,
    peer: EIGHT,
    expect: "unchanged",
  },
  {
    name: "refuses a message nested 20,000 levels deep for a peer without 8BITMIME",
    levels: 20_000,
    peer: OLD,
    expect: "refused",
  },
  {
    name: "refuses a message nested 20,000 levels deep for a SMTPUTF8 peer without 8BITMIME",
    levels: 20_000,
    header: "Subject: caf\xc3\xa9\r\n",
    peer: { has8bitMime: false, hasSmtputf8: true },
    expect: "refused",
  },
  {
    name: "refuses a message nested one level past the limit for a peer without 8BITMIME",
    levels: MAX_MIME_NESTING + 1,
    peer: OLD,
    expect: "refused",
  },
  {
    name: "converts a message nested as deep as the limit for a peer without 8BITMIME",
    levels: MAX_MIME_NESTING,
    peer: OLD,
    expect: "converted",
  },
];
for (const c of nestingCases) {
  Deno.test(`fitMessageToPeer() ${c.name}`, () => {
    const message = binary(nestedMessage(c.levels, c.header));
    const form = fitMessageToPeer(
      { message, addresses: ASCII_ADDRESSES, isSmtputf8: false },
      c.peer,
    );
    if (c.expect === "refused") {
      assert.equal(form.kind, "refused");
      if (form.kind === "refused") {
        assert.match(form.reason, /nest deeper than/);
        assert.equal(form.status, "5.6.3", "conversion required but not supported");
      }
      return;
    }
    assert.equal(form.kind, "send", form.kind === "refused" ? form.reason : "");
    if (form.kind !== "send") return;
    if (c.expect === "unchanged") assert.equal(latin1(form.message), latin1(message));
    else {
      assert.ok(!/[\x80-\xff]/.test(latin1(form.message)), "7-bit");
      assert.match(latin1(form.message), /caf=C3=A9/);
    }
  });
}

/** Quoted-printable decoded to a binary string (soft breaks removed, =XX to its byte). */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, hex: string) => String.fromCharCode(parseInt(hex, 16)),
  );
}

Deno.test("a forwarded message/global whose header has a UTF-8 address reaches a 7-bit peer whole in quoted-printable (RFC 6532 3.7)", () => {
  const inner = "From: j\xc3\xb6rg@b\xc3\xbccher.test\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n" +
    "Message-ID: <x@b\xc3\xbccher.test>\r\n\r\nHallo \xc3\xa9\r\n";
  const message = "From: a@example.com\r\nMIME-Version: 1.0\r\n" +
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
    "see attached\r\n--b\r\nContent-Type: message/global\r\n\r\n" + inner + "--b--\r\n";
  const form = fitMessageToPeer(
    { message: binary(message), addresses: ASCII_ADDRESSES, isSmtputf8: false },
    OLD,
  );
  assert.equal(form.kind, "send", form.kind === "refused" ? form.reason : "");
  if (form.kind !== "send") return;
  const out = latin1(form.message);
  assert.ok(!/[\x80-\xff]/.test(out), "7-bit");
  const part = out.split("\r\n--b")[2]!;
  const [partHeader = "", encoded = ""] = part.split(/\r\n\r\n(.*)/s);
  assert.match(
    partHeader,
    /Content-Type: message\/global\r\nContent-Transfer-Encoding: quoted-printable$/,
  );
  assert.equal(decodeQuotedPrintable(encoded), inner.slice(0, -2), "the message byte for byte");
});

Deno.test("a forwarded message/global whose header has a 7-bit form is still converted inside", () => {
  const message = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
    "--b\r\nContent-Type: message/global\r\n\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\nHallo\r\n--b--\r\n";
  const form = fitMessageToPeer(
    { message: binary(message), addresses: ASCII_ADDRESSES, isSmtputf8: false },
    OLD,
  );
  assert.equal(form.kind, "send");
  if (form.kind !== "send") return;
  assert.match(
    latin1(form.message),
    /Content-Type: message\/global\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: =\?UTF-8\?/,
  );
});
