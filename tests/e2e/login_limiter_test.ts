/**
 * The brute-force brake on the wire, shared by submission, POP3 and IMAP:
 * what a guesser gets from many connections at once, and from mixing in
 * logins to an account of its own. Each test's clients come from their own
 * loopback address, so the brake's per-address state is theirs alone; with
 * `--relay-networks=` that address is an outside one, counted as a whole,
 * while a relay network (a webmail on the host) is counted per login name.
 */
import assert from "node:assert/strict";
import { python, type Server, startServer, waitUntil } from "./harness.ts";

const USERS = { "alice@example.test": "alice-pw", "mallory@example.test": "mallory-pw" };
/** No relay network: every loopback client counts as an address on the Internet. */
const OUTSIDE_CLIENTS = ["--insecure-auth", "--relay-networks="];

/**
 * Logs in `count` times at once (a barrier lines the attempts up) from
 * `source` with AUTH PLAIN; prints one word per attempt, sorted: "ok",
 * "failed" (the password was checked and is wrong) or "refused" (turned
 * away without a check). SMTP's 454 comes both before and after a check,
 * so for SMTP the log tells the two apart (see `checkedCount`).
 */
const STORM = `
import base64, socket, sys, threading
proto, port, source, count, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
token = base64.b64encode(b"\\0" + user.encode() + b"\\0" + password.encode()).decode()
barrier = threading.Barrier(count)
words = []
def attempt():
    s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
    f = s.makefile("rb")
    def line():
        text = f.readline().decode()
        if proto == "smtp":
            while text[3:4] == "-": text = f.readline().decode()
        return text
    line()
    if proto == "smtp":
        s.sendall(b"EHLO client.test\\r\\n"); line()
    command = {"smtp": "AUTH PLAIN ", "pop3": "AUTH PLAIN ", "imap": "a AUTHENTICATE PLAIN "}[proto]
    barrier.wait()
    s.sendall((command + token + "\\r\\n").encode())
    reply = line()
    if reply.startswith(("235", "+OK", "a OK")): words.append("ok")
    elif reply.startswith(("535", "-ERR [AUTH]", "a NO [AUTHENTICATIONFAILED]")): words.append("failed")
    elif reply.startswith(("454", "-ERR [SYS/TEMP]", "a NO [UNAVAILABLE]")): words.append("refused")
    else: words.append("unexpected:" + reply.strip())
    s.close()
threads = [threading.Thread(target=attempt) for _ in range(count)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join(sorted(words)))
`;

async function storm(
  server: Server,
  options: {
    proto: "smtp" | "pop3" | "imap";
    source: string;
    count: number;
    password: string;
    user?: string;
  },
): Promise<string[]> {
  const port = server.ports[options.proto === "smtp" ? "submission" : options.proto]!;
  const { proto, source, count, password, user = "alice@example.test" } = options;
  const out = await python(STORM, [proto, port, source, count, user, password]);
  return out.trim().split(" ");
}

/** How many SMTP logins from `ip` had their password checked (auth.failed), once all are logged. */
async function checkedCount(server: Server, ip: string, attempts: number): Promise<number> {
  const lines = () =>
    server.log().split("\n").filter((line) =>
      /event=auth\.(failed|refused) /.test(line) && line.includes(` ip=${ip} `)
    );
  await waitUntil(() => lines().length >= attempts, 15_000, `${attempts} auth lines for ${ip}`);
  return lines().filter((line) => line.includes("event=auth.failed ")).length;
}

Deno.test("twenty wrong passwords at once get ten checked, on submission, POP3 and IMAP alike", async () => {
  const server = await startServer({ users: USERS, flags: OUTSIDE_CLIENTS });
  try {
    const [smtp, pop3, imap] = await Promise.all([
      storm(server, { proto: "smtp", source: "127.0.0.11", count: 20, password: "guess" }),
      storm(server, { proto: "pop3", source: "127.0.0.12", count: 20, password: "guess" }),
      storm(server, { proto: "imap", source: "127.0.0.13", count: 20, password: "guess" }),
    ]);
    for (const [name, words] of [["pop3", pop3], ["imap", imap]] as const) {
      assert.equal(words.length, 20, `${name}: ${words}`);
      const failed = words.filter((word) => word === "failed").length;
      const refused = words.filter((word) => word === "refused").length;
      assert.deepEqual({ failed, refused }, { failed: 10, refused: 10 }, `${name}: ${words}`);
    }
    assert.equal(smtp.length, 20, `${smtp}`);
    assert.ok(smtp.every((word) => word === "failed" || word === "refused"), `${smtp}`);
    assert.equal(await checkedCount(server, "127.0.0.11", 20), 10, "smtp: ten passwords checked");
    assert.doesNotMatch(server.log(), /guess/, "no password in the log");
  } finally {
    await server.stop();
  }
});

Deno.test("a login to an account of one's own does not wipe the failures against another", async () => {
  const server = await startServer({ users: USERS, flags: OUTSIDE_CLIENTS });
  try {
    // Nine guesses at alice's password (at once: the brake's delays start only later) ...
    const guesses = await storm(server, {
      proto: "imap",
      source: "127.0.0.21",
      count: 9,
      password: "guess",
    });
    assert.deepEqual(guesses, Array(9).fill("failed"));
    // ... then mallory logs in to her own account from the same address ...
    const own = { proto: "smtp", source: "127.0.0.21", count: 1 } as const;
    assert.deepEqual(
      await storm(server, { ...own, user: "mallory@example.test", password: "mallory-pw" }),
      ["ok"],
    );
    // ... and the tenth guess at alice still blocks the address.
    assert.deepEqual(await storm(server, { ...own, password: "guess" }), ["refused"]);
    assert.deepEqual(await storm(server, { ...own, password: "alice-pw" }), ["refused"]);

    // Alice's own mistakes are forgiven when she gets her password right.
    const alice = { proto: "smtp", source: "127.0.0.22", count: 1 } as const;
    const typos = await storm(server, { ...alice, proto: "imap", count: 9, password: "typo" });
    assert.deepEqual(typos, Array(9).fill("failed"));
    assert.deepEqual(await storm(server, { ...alice, password: "alice-pw" }), ["ok"]);
    assert.deepEqual(await storm(server, { ...alice, password: "typo" }), ["failed"]);
    assert.doesNotMatch(server.log(), /typo|guess|alice-pw|mallory-pw/, "no password in the log");
  } finally {
    await server.stop();
  }
});

Deno.test("through a webmail on a relay network, one account's guesser locks out that account only", async () => {
  // The default --relay-networks holds 127.0.0.0/8: the webmail's address.
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    const webmail = { source: "127.0.0.31", count: 1 } as const;
    const mallory = { ...webmail, user: "mallory@example.test" };
    const guesses = await storm(server, {
      ...mallory,
      proto: "imap",
      count: 10,
      password: "guess",
    });
    assert.deepEqual(guesses, Array(10).fill("failed"));
    // Every other user of the webmail logs in at once, on each protocol ...
    for (const proto of ["imap", "pop3", "smtp"] as const) {
      assert.deepEqual(await storm(server, { ...webmail, proto, password: "alice-pw" }), ["ok"]);
    }
    // ... while the guessed account stays blocked there, even with its right password.
    for (const proto of ["imap", "pop3", "smtp"] as const) {
      const words = await storm(server, { ...mallory, proto, password: "mallory-pw" });
      assert.deepEqual(words, ["refused"], proto);
    }
  } finally {
    await server.stop();
  }
});
