/**
 * Body sections go out as the stored bytes, 8-bit content and all: a part,
 * a part's TEXT, RFC822.TEXT and partials of them, over 64 KB (so in
 * slices), read back by Python's imaplib as bytes; and a FETCH mixing
 * whole-message bytes with other items, exact on a raw socket.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";
import { command, mailboxWith, untilTagged } from "./imap_helpers.ts";

const encoder = new TextEncoder();

/** Part 1 plain ASCII; part 2 UTF-8 text over 64 KB; part 3 an embedded message with 8-bit text. */
function messageBytes(): { message: Uint8Array; parts: Record<string, Uint8Array> } {
  const big = Array.from({ length: 3_000 }, (_, i) => `Zeile ${i}: Grüße, ½ € — ✓`).join("\r\n");
  const embeddedBody = "Ünïcode in an embedded message\r\n";
  const embedded = "Subject: inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
    embeddedBody;
  const text = [
    "--b1",
    "Content-Type: text/plain",
    "",
    "plain part",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    big,
    "--b1",
    "Content-Type: message/rfc822",
    "",
    embedded.replace(/\r\n$/, ""),
    "--b1--",
    "",
  ].join("\r\n");
  const header = "From: a@remote.test\r\nSubject: sections\r\nMIME-Version: 1.0\r\n" +
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n';
  return {
    message: encoder.encode(header + text),
    parts: {
      "BODY[1]": encoder.encode("plain part"),
      "BODY[2]": encoder.encode(big),
      "BODY[2]<7.9>": encoder.encode(big).subarray(7, 16),
      "BODY[3.TEXT]": encoder.encode(embeddedBody.replace(/\r\n$/, "")),
      "BODY[TEXT]": encoder.encode(text),
      "RFC822.TEXT": encoder.encode(text),
      "BODY[TEXT]<100000.50>": encoder.encode(text).subarray(100_000, 100_050),
      "BODY[9]": new Uint8Array(0),
    },
  };
}

Deno.test("body sections are the stored bytes, 8-bit and over 64 KB, partials included", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--insecure-auth"],
  });
  const { message, parts } = messageBytes();
  const file = `${server.spoolDir}/append.eml`;
  Deno.writeFileSync(file, message);
  try {
    // Each fetched item, in the order asked: its name and the hex of its bytes, one per line.
    const out = await python(
      `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("bob@example.test", "pw")
m.append("INBOX", None, None, open(sys.argv[2], "rb").read())
m.select("INBOX", readonly=True)
for item in sys.argv[3:]:
    typ, data = m.fetch("1", "(" + item.replace("BODY[", "BODY.PEEK[") + ")")
    assert typ == "OK", (item, typ, data)
    value = data[0][1] if isinstance(data[0], tuple) else b""
    print(item, value.hex())
m.logout()
`,
      [server.ports.imap!, file, ...Object.keys(parts)],
    );
    const got = out.trim().split("\n").map((line) => line.split(" "));
    assert.deepEqual(got.map(([item]) => item), Object.keys(parts));
    for (const [item, hex] of got) {
      const expected = parts[item as string] as Uint8Array;
      assert.equal(
        hex ?? "",
        Array.from(expected, (b) => b.toString(16).padStart(2, "0")).join(""),
        item,
      );
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a FETCH mixing whole-message bytes, partials and other items is exact on the wire", async () => {
  const { server, client } = await mailboxWith([]);
  try {
    // Over 64 KB, so the message bytes go out in several slices.
    const lines = Array.from({ length: 9_000 }, (_, i) => `row ${String(i).padStart(6, "0")} .`);
    const message = `Subject: mixed\r\n\r\n${lines.join("\r\n")}\r\n`;
    await client.send(`a APPEND INBOX {${message.length}}\r\n`);
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send(message + "\r\n");
    assert.match((await untilTagged(client, "a")).at(-1)!, /^a OK /);
    const reply = await command(
      client,
      "f",
      "FETCH 1 (UID BODY.PEEK[] RFC822.SIZE BODY.PEEK[]<9.5> BODY.PEEK[]<999999.5> RFC822 BODY.PEEK[HEADER])",
    );
    const expected =
      `* 1 FETCH (UID 1 BODY[] {${message.length}}\r\n${message} RFC822.SIZE ${message.length}` +
      ` BODY[]<9> {5}\r\n${message.slice(9, 14)} BODY[]<999999> {0}\r\n` +
      ` RFC822 {${message.length}}\r\n${message} BODY[HEADER] {18}\r\nSubject: mixed\r\n\r\n` +
      // RFC822 is BODY[] without PEEK: it sets \\Seen, and the new flags come along
      // (\\Recent too: appended to the folder this session has selected, RFC 3501 6.3.11).
      " FLAGS (\\Seen \\Recent))\r\n" +
      "f OK FETCH completed";
    assert.equal(reply.join("\r\n"), expected.replace(/\r\n$/, ""));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("FETCH of whole-message ranges alone reads only them, and sends each as the stored bytes", async () => {
  const { server, client } = await mailboxWith([]);
  try {
    // Past the 256 KB pieces the ranges are read in, so that some cross from one to the next.
    const lines = Array.from({ length: 40_000 }, (_, i) => `row ${String(i).padStart(6, "0")} .`);
    const message = `Subject: ranges\r\n\r\n${lines.join("\r\n")}\r\n`;
    await client.send(`a APPEND INBOX {${message.length}}\r\n`);
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send(message + "\r\n");
    assert.match((await untilTagged(client, "a")).at(-1)!, /^a OK /);
    const piece = 256 * 1024;
    const ranges: [number, number][] = [
      [piece - 10, 20],
      [2 * piece + 3, 5],
      [0, 1],
      [message.length - 4, 100],
      [message.length + 7, 5],
      [4294967295, 4294967295],
    ];
    const items = ranges.map(([offset, length]) => `BODY.PEEK[]<${offset}.${length}>`);
    const reply = await command(client, "f", `FETCH 1 (UID ${items.join(" ")} FLAGS)`);
    const sent = ranges.map(([offset, length]) => {
      const data = message.slice(offset, offset + length);
      return `BODY[]<${offset}> {${data.length}}\r\n${data}`;
    });
    assert.equal(
      reply.join("\r\n"),
      `* 1 FETCH (UID 1 ${sent.join(" ")} FLAGS (\\Recent))\r\nf OK FETCH completed`,
    );
    const second = await command(client, "g", `FETCH 1 BODY.PEEK[]<${piece + 1}.3>`);
    assert.deepEqual(second, [
      `* 1 FETCH (BODY[]<${piece + 1}> {3}`,
      `${message.slice(piece + 1, piece + 4)})`,
      "g OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});
