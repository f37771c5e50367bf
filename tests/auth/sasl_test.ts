import assert from "node:assert/strict";
import {
  decodeBase64Text,
  decodePlainResponse,
  encodeBase64Text,
  encodePlainResponse,
  isForeignAuthzid,
  isSaslCancel,
  type SaslCredentials,
} from "../../src/auth/mod.ts";

const b64 = (text: string) => encodeBase64Text(text);

const plainCases: { name: string; input: string; expected: unknown }[] = [
  {
    name: "decodes an empty authzid, user and password",
    input: b64("\0bob@example.com\0s3cret"),
    expected: { authzid: "", user: "bob@example.com", password: "s3cret" },
  },
  {
    name: "accepts an authzid equal to the user",
    input: b64("bob@example.com\0bob@example.com\0s3cret"),
    expected: { authzid: "bob@example.com", user: "bob@example.com", password: "s3cret" },
  },
  {
    name: "accepts an authzid that differs from the user only in case",
    input: b64("Bob@Example.com\0bob@example.com\0pw"),
    expected: { authzid: "Bob@Example.com", user: "bob@example.com", password: "pw" },
  },
  {
    name: "keeps spaces and UTF-8 in the password",
    input: b64("\0bob@example.com\0 p\u00e4ss w\u00f6rd "),
    expected: { authzid: "", user: "bob@example.com", password: " p\u00e4ss w\u00f6rd " },
  },
  {
    name: "decodes the RFC 4616 example",
    input: "AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
    expected: { authzid: "", user: "tim", password: "tanstaaftanstaaf" },
  },
  {
    name: "rejects an authzid that differs from the user",
    input: b64("admin@example.com\0bob@example.com\0pw"),
    expected: { error: "authorization identity differs from the user" },
  },
  {
    name: "rejects a response with no NUL",
    input: b64("bob@example.com pw"),
    expected: { error: "expected authzid, user and password separated by NUL" },
  },
  {
    name: "rejects a response with one NUL",
    input: b64("bob@example.com\0pw"),
    expected: { error: "expected authzid, user and password separated by NUL" },
  },
  {
    name: "rejects a response with three NULs",
    input: b64("\0bob@example.com\0pw\0"),
    expected: { error: "expected authzid, user and password separated by NUL" },
  },
  {
    name: "rejects an empty password",
    input: b64("\0bob@example.com\0"),
    expected: { error: "empty password" },
  },
  { name: "rejects an empty user", input: b64("\0\0pw"), expected: { error: "empty user" } },
  { name: "rejects an empty response", input: "", expected: { error: "empty response" } },
  {
    name: "rejects the zero-length response marker",
    input: "=",
    expected: { error: "empty response" },
  },
  {
    name: "rejects junk characters",
    input: "AGJvYkBleGFtcGxlLmNvbQBwdw==!",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects base64url characters",
    input: b64("\0bob@example.com\0p>w?").replace(/\+/g, "-").replace(/\//g, "_"),
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects embedded whitespace",
    input: "AGJvYkBl eGFtcGxlLmNvbQBwdw==",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects missing padding",
    input: "AGJvYkBleGFtcGxlLmNvbQBwdw",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects one = where two are needed",
    input: "AGJvYkBleGFtcGxlLmNvbQBwdw=",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects extra padding",
    input: "AGJvYkBleGFtcGxlLmNvbQBwdw===",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects padding in the middle",
    input: "AGJv=YkBleGFtcGxlLmNvbQBwdw==",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects non-zero padding bits",
    input: "AGJvYkBleGFtcGxlLmNvbQBwdx==",
    expected: { error: "invalid base64" },
  },
  {
    name: "rejects bytes that are not UTF-8",
    input: new Uint8Array([0, 0x62, 0, 0xff]).toBase64(),
    expected: { error: "invalid UTF-8" },
  },
  // RFC 4954 4: a response line may have 12288 octets; 9216 bytes encode to exactly that.
  {
    name: "decodes a response of exactly 12288 octets",
    input: b64("\0bob@example.com\0" + "p".repeat(9216 - 17)),
    expected: { authzid: "", user: "bob@example.com", password: "p".repeat(9216 - 17) },
  },
  {
    name: "rejects a response over 12288 octets",
    input: b64("\0bob@example.com\0" + "p".repeat(9219 - 17)),
    expected: { error: "response too long" },
  },
  {
    // A byte order mark is a character like any other (RFC 4616 2: UTF-8), not one to drop.
    name: "keeps a byte order mark at the start of the authzid",
    input: b64("\ufeff\0bob@example.com\0pw"),
    expected: { error: "authorization identity differs from the user" },
  },
];
for (const c of plainCases) {
  Deno.test(`decodePlainResponse() ${c.name}`, () => {
    assert.deepEqual(decodePlainResponse(c.input), c.expected);
  });
}

Deno.test("decodePlainResponse() with keepForeignAuthzid returns the authzid for the caller to refuse after the password check", () => {
  const response = b64("admin@example.com\0bob@example.com\0pw");
  const decoded = decodePlainResponse(response, { keepForeignAuthzid: true });
  assert.deepEqual(decoded, {
    authzid: "admin@example.com",
    user: "bob@example.com",
    password: "pw",
  });
  assert.equal(isForeignAuthzid(decoded as SaslCredentials), true);
  assert.equal(isForeignAuthzid({ authzid: "", user: "bob@example.com" }), false);
  assert.equal(isForeignAuthzid({ authzid: "BOB@example.com", user: "bob@example.com" }), false);
  // The other checks still apply.
  assert.deepEqual(decodePlainResponse(b64("admin\0bob\0"), { keepForeignAuthzid: true }), {
    error: "empty password",
  });
});

Deno.test("decodePlainResponse() never puts the password in an error", () => {
  const result = decodePlainResponse(b64("eve@example.com\0bob@example.com\0hunter2"));
  assert.ok("error" in result);
  assert.ok(!JSON.stringify(result).includes("hunter2"));
});

const textCases: { name: string; input: string; expected: string | null }[] = [
  { name: "decodes a LOGIN user name", input: "Ym9iQGV4YW1wbGUuY29t", expected: "bob@example.com" },
  { name: "decodes UTF-8", input: b64("gr\u00fc\u00dfe"), expected: "gr\u00fc\u00dfe" },
  { name: "decodes = as the empty response", input: "=", expected: "" },
  { name: "decodes the empty string as empty", input: "", expected: "" },
  { name: "rejects junk", input: "Ym9i*", expected: null },
  { name: "rejects missing padding", input: "Ym9iQA", expected: null },
  { name: "rejects a trailing space", input: "Ym9iQGV4YW1wbGUuY29t ", expected: null },
  { name: "rejects invalid UTF-8", input: "/w==", expected: null },
  {
    name: "keeps a byte order mark at the start (a password's first character)",
    input: b64("\ufeffpw"),
    expected: "\ufeffpw",
  },
  {
    name: "decodes a response of exactly 12288 octets",
    input: b64("a".repeat(9216)),
    expected: "a".repeat(9216),
  },
  { name: "rejects a response over 12288 octets", input: b64("a".repeat(9219)), expected: null },
];
for (const c of textCases) {
  Deno.test(`decodeBase64Text() ${c.name}`, () => {
    assert.equal(decodeBase64Text(c.input), c.expected);
  });
}

Deno.test("encodeBase64Text() produces the LOGIN prompts", () => {
  assert.equal(encodeBase64Text("Username:"), "VXNlcm5hbWU6");
  assert.equal(encodeBase64Text("Password:"), "UGFzc3dvcmQ6");
  assert.equal(decodeBase64Text(encodeBase64Text("round \u2713 trip")), "round \u2713 trip");
});

Deno.test("isSaslCancel() recognises * and nothing else", () => {
  assert.equal(isSaslCancel("*"), true);
  assert.equal(isSaslCancel("*\r\n"), true);
  assert.equal(isSaslCancel("**"), false);
  assert.equal(isSaslCancel("Kg=="), false);
  assert.equal(isSaslCancel(""), false);
});

Deno.test("encodePlainResponse() gives the RFC 4616 example and round-trips", () => {
  assert.equal(encodePlainResponse("tim", "tanstaaftanstaaf"), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  assert.deepEqual(decodePlainResponse(encodePlainResponse("b\u00f6b@example.com", "p w")), {
    authzid: "",
    user: "b\u00f6b@example.com",
    password: "p w",
  });
});
