/**
 * LIST-STATUS (RFC 5819) on the wire, driven by Python's imaplib with raw
 * commands: `LIST ... RETURN (STATUS (...))` follows each selectable
 * mailbox's LIST with its STATUS, and gives none for names that are no
 * mailbox (\NonExistent parents, subscriptions of deleted folders).
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";

const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
out = {"capability": M.capability()[1][0].decode().split()}
for name in ["Work", "Parent.Child", "Caf&AOk-", "Gone"]:
    assert M.create(name)[0] == "OK", name
    assert M.subscribe(name)[0] == "OK", name
assert M.delete("Gone")[0] == "OK"
for folder, count in [("INBOX", 3), ("Work", 2), ("Caf&AOk-", 1)]:
    for i in range(count):
        M.append(folder, "(\\\\Seen)" if i == 0 else None, None, f"Subject: {i}\\r\\n\\r\\nx\\r\\n".encode())
M.select("Work")
def run(*args):
    tag = M._command(*args)
    lines = []
    while True:
        line = M._get_line().decode()
        lines.append(line.replace(tag.decode() + " ", "<tag> ", 1))
        if line.startswith(tag.decode() + " "):
            return lines
for name, args in json.loads(sys.argv[2]):
    out[name] = run(*args)
print(json.dumps(out))
`;

const COMMANDS: [string, string[]][] = [
  ["all", ["LIST", '""', '"*"', "RETURN", "(STATUS (MESSAGES UNSEEN))"]],
  [
    "subscribed",
    ["LIST", "(SUBSCRIBED)", '""', '"*"', "RETURN", "(STATUS (UIDNEXT MESSAGES) CHILDREN)"],
  ],
  ["pattern", ["LIST", '""', '"W%"', "RETURN", "(SUBSCRIBED STATUS (RECENT SIZE UIDVALIDITY))"]],
  ["empty", ["LIST", '""', '"*"', "RETURN", "(STATUS ())"]],
  ["unknown", ["LIST", '""', '"*"', "RETURN", "(STATUS (COLOR))"]],
  ["bare", ["LIST", '""', '"*"', "RETURN", "(STATUS)"]],
  // RFC 5819 6 and RFC 3501 9: the option and the items are case-insensitive atoms.
  ["lowerCase", ["LIST", '""', "Work", "return", "(status (messages unseen))"]],
];

Deno.test("LIST RETURN (STATUS ...) follows each selectable mailbox's LIST with its STATUS", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    const out = JSON.parse(await python(SCRIPT, [server.ports.imap!, JSON.stringify(COMMANDS)]));
    assert.ok(out.capability.includes("LIST-STATUS"), out.capability.join(" "));
    const folder = (attributes: string, name: string, status: string) => [
      `* LIST (${attributes}) "." ${name}`,
      `* STATUS ${name} (${status})`,
    ];
    const empty = "MESSAGES 0 UNSEEN 0";
    // Sorted by name; Parent is only the parent of Parent.Child: \NonExistent, no STATUS.
    assert.deepEqual(out.all, [
      ...folder("\\HasNoChildren \\Archive", "Archive", empty),
      ...folder("\\HasNoChildren", "Caf&AOk-", "MESSAGES 1 UNSEEN 0"),
      ...folder("\\HasNoChildren \\Drafts", "Drafts", empty),
      ...folder("\\HasNoChildren", "INBOX", "MESSAGES 3 UNSEEN 2"),
      ...folder("\\HasNoChildren \\Junk", "Junk", empty),
      '* LIST (\\NonExistent \\HasChildren) "." Parent',
      ...folder("\\HasNoChildren", "Parent.Child", empty),
      ...folder("\\HasNoChildren \\Sent", "Sent", empty),
      ...folder("\\HasNoChildren \\Trash", "Trash", empty),
      // The selected mailbox gets its STATUS too.
      ...folder("\\HasNoChildren", "Work", "MESSAGES 2 UNSEEN 1"),
      "<tag> OK LIST completed",
    ]);
    // Gone is subscribed but deleted: \NonExistent, and no STATUS (RFC 5819 2).
    const gone = out.subscribed.indexOf(
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "." Gone',
    );
    assert.ok(gone > 0, out.subscribed.join("\n"));
    assert.match(out.subscribed[gone + 1], /^\* LIST /);
    const work = out.subscribed.indexOf('* LIST (\\HasNoChildren \\Subscribed) "." Work');
    assert.equal(out.subscribed[work + 1], "* STATUS Work (UIDNEXT 3 MESSAGES 2)");
    // Every subscribed mailbox but Gone: the six made at the first login and the three above.
    assert.equal(out.subscribed.filter((line: string) => line.startsWith("* STATUS ")).length, 9);
    // Two messages of 17 bytes; their \Recent went to this session, which selected Work.
    assert.match(out.pattern[1], /^\* STATUS Work \(RECENT 0 SIZE 34 UIDVALIDITY \d+\)$/);
    assert.equal(out.pattern.length, 3, out.pattern.join("\n"));
    assert.deepEqual(out.lowerCase, [
      ...folder("\\HasNoChildren", "Work", "MESSAGES 2 UNSEEN 1"),
      "<tag> OK LIST completed",
    ]);
    for (const name of ["empty", "unknown", "bare"]) {
      assert.equal(out[name].length, 1, out[name].join("\n"));
      assert.match(out[name][0], /^<tag> BAD /, name);
    }
  } finally {
    await server.stop();
  }
});
