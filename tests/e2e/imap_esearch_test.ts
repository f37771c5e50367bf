/**
 * ESEARCH (RFC 4731) on the wire, driven by Python's imaplib with raw
 * commands: SEARCH and UID SEARCH with RETURN (MIN MAX COUNT ALL) answer one
 * `* ESEARCH` line naming the command's tag, ALL as a compressed set; a
 * SEARCH without RETURN still answers `* SEARCH`.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";

const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
out = {"capability": M.capability()[1][0].decode().split()}
for i in range(8):
    subject = "even" if i % 2 == 0 else "odd"
    M.append("INBOX", None, None, f"Subject: {subject} {i}\\r\\n\\r\\nbody {i}\\r\\n".encode())
M.select("INBOX")
# Message 1 goes: UIDs 2..8 are sequence numbers 1..7. Then 1, 2, 3 and 6 are seen.
M.store("1", "+FLAGS.SILENT", "(\\\\Deleted)")
M.expunge()
M.store("1:3,6", "+FLAGS.SILENT", "(\\\\Seen)")
def run(command, *args):
    typ, data = M._simple_command(*command.split(), *args)
    tag = M.tagpre.decode() + str(M.tagnum - 1)
    if typ != "OK":
        return [typ, data[0].decode()]
    lines = {}
    for name in ("ESEARCH", "SEARCH"):
        found = M._untagged_response(typ, data, name)[1]
        if found and found[-1] is not None:
            lines[name] = found[-1].decode().replace(f'"{tag}"', '"<tag>"')
    return [typ, lines]
for name, command, args in json.loads(sys.argv[2]):
    try:
        out[name] = run(command, *args)
    except M.error as error:
        out[name] = ["BAD", str(error)]
print(json.dumps(out))
`;

const COMMANDS: [string, string, string[]][] = [
  ["unseen", "SEARCH", ["RETURN", "(MIN MAX COUNT ALL)", "UNSEEN"]],
  ["uidAll", "UID SEARCH", ["RETURN", "(ALL)", "ALL"]],
  ["uidSeen", "UID SEARCH", ["RETURN", "(COUNT MIN)", "SEEN"]],
  ["emptyReturn", "SEARCH", ["RETURN", "()", "SUBJECT", "even"]],
  ["charset", "SEARCH", ["RETURN", "(MAX)", "CHARSET", "UTF-8", "SUBJECT", "odd"]],
  ["none", "UID SEARCH", ["RETURN", "(MIN MAX COUNT ALL)", "SUBJECT", "nothing"]],
  ["plain", "SEARCH", ["SEEN"]],
  ["save", "SEARCH", ["RETURN", "(SAVE)", "ALL"]],
  ["unknown", "SEARCH", ["RETURN", "(FIRST)", "ALL"]],
];

Deno.test("SEARCH RETURN answers one ESEARCH line with the tag, MIN, MAX, COUNT and ALL compressed", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    const out = JSON.parse(
      await python(SCRIPT, [server.ports.imap!, JSON.stringify(COMMANDS)]),
    );
    assert.ok(out.capability.includes("ESEARCH"), out.capability.join(" "));
    const esearch = (text: string) => ["OK", { ESEARCH: `(TAG "<tag>") ${text}`.trimEnd() }];
    assert.deepEqual(out.unseen, esearch("MIN 4 MAX 7 COUNT 3 ALL 4:5,7"));
    assert.deepEqual(out.uidAll, esearch("UID ALL 2:8"));
    assert.deepEqual(out.uidSeen, esearch("UID MIN 2 COUNT 4"));
    // RFC 4731 3.1: RETURN () is RETURN (ALL).
    assert.deepEqual(out.emptyReturn, esearch("ALL 2,4,6"));
    assert.deepEqual(out.charset, esearch("MAX 7"));
    // No match: COUNT 0 and nothing else, but the response is there.
    assert.deepEqual(out.none, esearch("UID COUNT 0"));
    assert.deepEqual(out.plain, ["OK", { SEARCH: "1 2 3 6" }]);
    for (const name of ["save", "unknown"]) assert.equal(out[name][0], "BAD", name);
  } finally {
    await server.stop();
  }
});
