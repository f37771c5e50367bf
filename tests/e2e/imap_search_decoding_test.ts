/** SEARCH over decoded text with imaplib: RFC 2047 subjects and quoted-printable/base64 bodies. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { python, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

const MESSAGES = [
  "From: =?UTF-8?Q?Zo=C3=AB?= <zoe@remote.test>\r\nTo: bob@example.test\r\n" +
  "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\nMIME-Version: 1.0\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
  "\r\nDie Stra=C3=9Fe ist gesperrt.\r\n",
  "From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: plain\r\nMIME-Version: 1.0\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
  Buffer.from("Bonjour, le caf\u00e9 est pr\u00eat.\r\n").toString("base64") + "\r\n",
];

const SEARCH = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
M.select("INBOX")
out = {}
def search(key, text):
    M.literal = text.encode("utf-8")
    typ, data = M.search("UTF-8", key)
    assert typ == "OK", (typ, data)
    return data[0].decode()
out["subject"] = search("SUBJECT", "grüße AUS")
out["from"] = search("FROM", "ZOË")
out["body_qp"] = search("BODY", "straße")
out["body_b64"] = search("BODY", "CAFÉ EST")
out["text"] = search("TEXT", "köln")
out["raw_is_not_text"] = search("BODY", "Stra=C3")
M.logout()
print(json.dumps(out))
`;

Deno.test("imaplib: SEARCH matches decoded subjects, senders and text bodies (UTF-8 literals)", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    await deliver(server, MESSAGES);
    const out = JSON.parse(await python(SEARCH, [server.ports.imap!]));
    assert.deepEqual(out, {
      subject: "1",
      from: "1",
      body_qp: "1",
      body_b64: "2",
      text: "1",
      raw_is_not_text: "",
    });
  } finally {
    await server.stop();
  }
});

// RFC 2047 2: encoded-text has at least one character, so "=?utf-8?q??=" is not an
// encoded word; a reader sees it as written (RFC 2047 6.1) and SEARCH finds it so.
const EMPTY_WORD_SEARCH = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
M.select("INBOX")
out = {}
for name, key in [("as_written", '"=?utf-8?q??="'), ("with_blanks", '"Price =?utf-8?q??= list"')]:
    typ, data = M.search(None, "SUBJECT", key)
    assert typ == "OK", (typ, data)
    out[name] = data[0].decode()
M.logout()
print(json.dumps(out))
`;

Deno.test("imaplib: SEARCH SUBJECT finds a word with empty encoded text as written", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    await deliver(server, [
      "From: alice@remote.test\r\nTo: bob@example.test\r\n" +
      "Subject: Price =?utf-8?q??= list\r\n\r\nbody\r\n",
    ]);
    const out = JSON.parse(await python(EMPTY_WORD_SEARCH, [server.ports.imap!]));
    assert.deepEqual(out, { as_written: "1", with_blanks: "1" });
  } finally {
    await server.stop();
  }
});
