import assert from "node:assert/strict";
import { formatLogfmt, type LogFields, type LogFormat, Logger } from "../../src/log/logger.ts";

/** A logger whose lines land in an array. */
function capture(format: LogFormat = "text", level: "info" | "debug" = "info") {
  const lines: string[] = [];
  const logger = new Logger({ format, level, sink: (line) => lines.push(line) });
  return { logger, lines };
}

const logfmtCases: { name: string; fields: LogFields; expected: string }[] = [
  { name: "bare values", fields: { a: "x", b: 2, c: true }, expected: "a=x b=2 c=true" },
  { name: "a space quotes", fields: { a: "two words" }, expected: 'a="two words"' },
  { name: "a quote is escaped", fields: { a: 'say "hi"' }, expected: 'a="say \\"hi\\""' },
  {
    name: "an equals sign quotes, and shows as \\u003d so no value holds a key=value",
    fields: { a: "k=v" },
    expected: 'a="k\\u003dv"',
  },
  {
    name: "a backslash before an equals sign stays a backslash",
    fields: { a: "\\=" },
    expected: 'a="\\\\\\u003d"',
  },
  { name: "a backslash quotes", fields: { a: "a\\b" }, expected: 'a="a\\\\b"' },
  { name: "control characters are escaped", fields: { a: "x\r\ny" }, expected: 'a="x\\r\\ny"' },
  { name: "DEL is escaped", fields: { a: "x\x7f" }, expected: 'a="x\\u007f"' },
  { name: "a quote alone quotes", fields: { a: 'a"b' }, expected: 'a="a\\"b"' },
  {
    name: "an escape (ESC) is escaped, so no terminal reads it",
    fields: { a: "x\x1b[31m" },
    expected: 'a="x\\u001b[31m"',
  },
  {
    name: "the paragraph separator alone is escaped",
    fields: { a: "x\u2029y" },
    expected: 'a="x\\u2029y"',
  },
  {
    name: "a C1 control (NEL) is escaped, not left bare",
    fields: { a: "x\u0085y" },
    expected: 'a="x\\u0085y"',
  },
  {
    name: "the Unicode line and paragraph separators are escaped",
    fields: { a: "x\u2028y\u2029z" },
    expected: 'a="x\\u2028y\\u2029z"',
  },
  { name: "the empty string quotes", fields: { a: "" }, expected: 'a=""' },
  { name: "null is empty", fields: { a: null }, expected: 'a=""' },
  { name: "undefined is left out", fields: { a: undefined, b: 1 }, expected: "b=1" },
  { name: "UTF-8 stays bare", fields: { a: "Grüße" }, expected: "a=Grüße" },
];

for (const c of logfmtCases) {
  Deno.test(`formatLogfmt: ${c.name}`, () => {
    assert.equal(formatLogfmt(c.fields), c.expected);
  });
}

const secretNames = [
  "password",
  "pass",
  "PASSWORD",
  "smarthost_pass",
  "token",
  "secret",
  "apiSecret",
  "smarthost_credential",
];

for (const format of ["text", "json"] as const) {
  Deno.test(`Logger (${format}) redacts fields named like secrets, every time`, () => {
    const { logger, lines } = capture(format);
    for (const name of secretNames) {
      logger.info("auth.try", { [name]: "hunter2", user: "bob" });
      logger.info("auth.try", { [name]: "hunter2", user: "bob" }); // once more: names are cached
    }
    assert.equal(lines.length, 2 * secretNames.length);
    for (const line of lines) {
      assert.ok(!line.includes("hunter2"), line);
      assert.ok(line.includes("[redacted]"), line);
      assert.ok(line.includes("bob"), line);
    }
  });

  Deno.test(`Logger (${format}) leaves undefined fields out and keeps fixed fields`, () => {
    const { logger, lines } = capture(format);
    logger.with({ cid: "c1" }).info("msg.queued", { qid: "Q1", authUser: undefined, rcpts: 2 });
    const line = lines[0]!;
    assert.ok(!line.includes("authUser"), line);
    if (format === "json") {
      const parsed = JSON.parse(line);
      assert.equal(parsed.event, "msg.queued");
      assert.equal(parsed.cid, "c1");
      assert.equal(parsed.qid, "Q1");
      assert.equal(parsed.rcpts, 2);
      assert.equal(parsed.level, "info");
      assert.match(parsed.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } else {
      assert.match(
        line,
        /^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info event=msg\.queued cid=c1 qid=Q1 rcpts=2$/,
      );
    }
  });
}

Deno.test("Logger writes nothing below its level, and its tap still sees every event", () => {
  const tapped: string[] = [];
  const lines: string[] = [];
  const logger = new Logger({
    level: "info",
    sink: (line) => lines.push(line),
    tap: (event) => tapped.push(event),
  });
  logger.debug("smtp.command", { verb: "NOOP" });
  logger.info("smtp.connect", {});
  assert.deepEqual(tapped, ["smtp.command", "smtp.connect"]);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /event=smtp\.connect/);
});

Deno.test("Logger.enabled() is true at its own level and above, false below", () => {
  const logger = new Logger({ level: "info", sink: () => {} });
  const levels = ["error", "warn", "info", "debug", "trace"] as const;
  assert.deepEqual(levels.map((level) => logger.enabled(level)), [true, true, true, false, false]);
});

Deno.test("Logger (json) escapes a DEL, as the text format does", () => {
  const { logger, lines } = capture("json");
  logger.info("msg.queued", { from: "a\x7fb" });
  assert.ok(lines[0]!.includes("a\\u007fb"), lines[0]);
  assert.equal(JSON.parse(lines[0]!).from, "a\x7fb");
});

Deno.test("Logger's timestamps follow the clock (one per millisecond, never a stale one)", async () => {
  const { logger, lines } = capture();
  logger.info("a", {});
  await new Promise((resolve) => setTimeout(resolve, 5));
  logger.info("b", {});
  const stamps = lines.map((line) => Date.parse(/ts=(\S+)/.exec(line)![1]!));
  assert.ok(stamps[1]! - stamps[0]! >= 4, `${stamps}`);
  assert.ok(Math.abs(Date.now() - stamps[1]!) < 1000);
});

/** Every line break a reader may split on: Python's str.splitlines(), UAX #14, editors. */
const LINE_BREAKS = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

for (const format of ["text", "json"] as const) {
  Deno.test(`Logger (${format}) keeps a client's Unicode line breaks and C1 controls on one line`, () => {
    const { logger, lines } = capture(format);
    // RFC 6531 allows any non-ASCII UTF-8 in a quoted local part: these reach msg.queued's from=.
    const from = '"a\u0085b\u2028c\u2029d\x9be\x1cf"@remote.test';
    logger.info("msg.queued", { from });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.split(LINE_BREAKS).length, 1, `split: ${JSON.stringify(line)}`);
    assert.doesNotMatch(line, /[\x7f-\x9f]/);
    const parsed = format === "json"
      ? JSON.parse(line).from
      : JSON.parse(/ from=("(?:[^"\\]|\\.)*")$/.exec(line)![1]!);
    assert.equal(parsed, from);
  });
}

/** fail2ban's <HOST> for IPv4, in the README's failregex; fail2ban searches the whole line. */
const README_FAILREGEX = /event=auth\.failed ip=(\d+\.\d+\.\d+\.\d+)/g;

/** Client text that reaches a log value, each trying to pass for an auth failure of 192.0.2.66. */
const forgeries: { name: string; field: string; value: string }[] = [
  {
    name: "a quoted local part in rcpt=",
    field: "rcpt",
    value: '"b event=auth.failed ip=192.0.2.66 "@example.test',
  },
  {
    name: "a quoted local part in from=",
    field: "from",
    value: '"event=auth.failed ip=192.0.2.66"@remote.test',
  },
  { name: "an IMAP folder name", field: "folder", value: "x event=auth.failed ip=192.0.2.66 y" },
  { name: "a tab for the space", field: "folder", value: "event=auth.failed\tip=192.0.2.66" },
  {
    name: "a value that is the whole forgery",
    field: "to",
    value: "event=auth.failed ip=192.0.2.66",
  },
  {
    name: "a backslash-escaped quote to close the value early",
    field: "from",
    value: '\\" event=auth.failed ip=192.0.2.66 "@x.test',
  },
];

for (const c of forgeries) {
  Deno.test(`Logger (text): ${c.name} cannot forge the failregex's "event=auth.failed ip="`, () => {
    const { logger, lines } = capture("text");
    logger.info("smtp.rcpt_refused", { [c.field]: c.value, reason: "unknown-user" });
    const line = lines[0]!;
    assert.deepEqual([...line.matchAll(README_FAILREGEX)].map((m) => m[1]), [], line);
    assert.doesNotMatch(line, / ip=/, line);
    // Still the exact value to a reader that unquotes it as JSON.
    const quoted = new RegExp(` ${c.field}=("(?:[^"\\\\]|\\\\.)*") reason=unknown-user$`).exec(
      line,
    );
    assert.equal(JSON.parse(quoted![1]!), c.value, line);
  });
}

Deno.test("Logger (text): a real auth failure still matches the failregex, once", () => {
  const { logger, lines } = capture("text");
  logger.warn("auth.failed", { ip: "192.0.2.7", user: "bob", reason: "x event=auth.failed ip=1" });
  assert.deepEqual([...lines[0]!.matchAll(README_FAILREGEX)].map((m) => m[1]), ["192.0.2.7"]);
});
