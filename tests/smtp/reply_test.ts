import assert from "node:assert/strict";
import { formatReply, reply } from "../../src/smtp/reply.ts";

const cases: { name: string; value: ReturnType<typeof reply>; wire: string }[] = [
  {
    name: "renders a single line with its enhanced code",
    value: reply(250, "2.0.0", "OK"),
    wire: "250 2.0.0 OK\r\n",
  },
  {
    name: "renders a reply without an enhanced code",
    value: reply(220, undefined, "mx.example ESMTP Pillarbox"),
    wire: "220 mx.example ESMTP Pillarbox\r\n",
  },
  {
    name: "puts the enhanced code on every line of a multi-line reply",
    value: reply(550, "5.7.1", "first\nsecond\nthird"),
    wire: "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n",
  },
  {
    name: "renders a multi-line reply without an enhanced code",
    value: reply(250, undefined, "mx.example\nPIPELINING\nSMTPUTF8"),
    wire: "250-mx.example\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n",
  },
  {
    name: "cannot be made to forge a reply line by a CR LF in a line",
    value: { code: 550, enhanced: "5.1.1", lines: ["no such user x\r\n250 2.0.0 OK"] },
    wire: "550 5.1.1 no such user x  250 2.0.0 OK\r\n",
  },
  {
    name: "cannot be made to forge a reply line by a bare CR or LF or NUL in a line",
    value: { code: 501, enhanced: "5.5.4", lines: ["a\rb\nc\0d"] },
    wire: "501 5.5.4 a b c d\r\n",
  },
  {
    name: "shows control characters and non-ASCII quoted from a client as ? (RFC 5321 4.2)",
    value: reply(500, "5.5.2", 'Command not recognized: "B\x1b[2JO\x7fG\u00c9\ud83d\u0085"\ttab'),
    wire: '500 5.5.2 Command not recognized: "B?[2JO?G???"\ttab\r\n',
  },
  {
    name: "renders an empty reply as one line",
    value: { code: 354, lines: [] },
    wire: "354\r\n",
  },
];

for (const c of cases) {
  Deno.test(`formatReply() ${c.name}`, () => {
    assert.equal(formatReply(c.value), c.wire);
  });
}

Deno.test("formatReply() never produces a line that does not start with the code", () => {
  const hostile = ["x\r\n221 bye", "\n\n", "\r", "a\r\n\r\n.\r\n"];
  for (const text of hostile) {
    for (
      const value of [reply(550, "5.0.0", text), {
        code: 550,
        enhanced: "5.0.0",
        lines: [text, text],
      }]
    ) {
      const wire = formatReply(value);
      assert.ok(wire.endsWith("\r\n"));
      const lines = wire.slice(0, -2).split("\r\n");
      assert.equal(lines.length, value.lines.length);
      for (const [i, line] of lines.entries()) {
        const separator = i === lines.length - 1 ? " " : "-";
        assert.ok(line.startsWith(`550${separator}5.0.0`), JSON.stringify(line));
        assert.ok(!/[\r\n\0]/.test(line), JSON.stringify(line));
      }
    }
  }
});

Deno.test("reply() keeps the closeAfter option", () => {
  assert.equal(reply(421, "4.4.2", "Timeout", { closeAfter: true }).closeAfter, true);
});
