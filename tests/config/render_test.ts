import assert from "node:assert/strict";
import {
  FLAGS,
  loadConfig,
  renderConfig,
  renderFlagsMarkdown,
  renderHelp,
} from "../../src/config/mod.ts";

/** The design's flags and defaults (section 1), which the table must match. */
const DESIGN_DEFAULTS: Record<string, string | null> = {
  "flagfile": "",
  "hostname": null,
  "domains": "localhost",
  "spool-dir": "./spool",
  "users-file": null,
  "aliases-file": null,
  "smtp-listen": "127.0.0.1:2525",
  "submission-listen": "127.0.0.1:2587",
  "submissions-listen": "",
  "pop3-listen": "127.0.0.1:2110",
  "pop3s-listen": "",
  "imap-listen": "127.0.0.1:2143",
  "imaps-listen": "",
  "http-listen": "",
  "tls-cert": "",
  "tls-key": "",
  "insecure-auth": "false",
  "relay-networks": "127.0.0.0/8,::1/128",
  "smarthost": "",
  "smarthost-tls": "starttls",
  "smarthost-tls-verify": "true",
  "smarthost-user": "",
  "smarthost-password-file": "",
  "smarthost-insecure-auth": "false",
  "route": "",
  "dns-server": "",
  "remote-smtp-port": "25",
  "remote-smtp-timeout": "0",
  "retry-interval": "30m",
  "retry-min": "1m",
  "queue-lifetime": "5d",
  "delay-warning": "4h",
  "smtp-idle-timeout": "5m",
  "pop3-idle-timeout": "10m",
  "imap-idle-timeout": "30m",
  "max-message-size": "25MB",
  "max-recipients": "1000",
  "max-connections": "256",
  "spare-files": "1024",
  "log-level": "info",
  "log-format": "text",
};

Deno.test("the flags table has exactly the design's flags and defaults", () => {
  assert.deepEqual(FLAGS.map((row) => row.name).sort(), Object.keys(DESIGN_DEFAULTS).sort());
  for (const row of FLAGS) {
    const expected = DESIGN_DEFAULTS[row.name];
    if (expected === null) assert.equal(typeof row.default, "function", row.name);
    else assert.equal(row.default, expected, row.name);
  }
});

Deno.test("every flag in the table has help text and a distinct Config field", () => {
  const keys = FLAGS.flatMap((row) => row.key === null ? [] : [row.key]);
  assert.equal(new Set(keys).size, keys.length);
  const config = loadConfig([], { hostname: "mx.test" }).config;
  assert.deepEqual(Object.keys(config).sort(), [...keys].sort());
  for (const row of FLAGS) assert.ok(row.help.length > 10, row.name);
});

Deno.test("renderHelp() shows the usage and every flag with its default", () => {
  const help = renderHelp();
  assert.ok(help.startsWith("Usage:\n  pillarbox serve"));
  assert.ok(help.includes("pillarbox sendmail [-t] [-i] [-f SENDER] [RCPT ...]"));
  for (const row of FLAGS) assert.ok(help.includes(`\n  --${row.name}`), row.name);
  assert.ok(help.includes("--insecure-auth[=true|false]"));
  assert.ok(help.includes("(default: 127.0.0.1:2525)"));
  assert.ok(help.includes("(default: <spool-dir>/users)"));
  assert.ok(help.includes("powers of 1000"));
  assert.ok(!help.includes("`"));
});

Deno.test("renderFlagsMarkdown() gives an aligned table with one row per flag", () => {
  const lines = renderFlagsMarkdown().trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^\| flag +\| default +\| meaning +\|$/);
  assert.match(lines[1] ?? "", /^\| -+ \| -+ \| -+ \|$/);
  assert.equal(lines.length, FLAGS.length + 2);
  assert.equal(new Set(lines.map((line) => line.length)).size, 1);
  assert.ok(lines.some((line) => /^\| `--max-message-size` +\| `25MB` +\|/.test(line)));
  assert.ok(lines.some((line) => /^\| `--users-file` +\| `<spool-dir>\/users` +\|/.test(line)));
});

Deno.test("renderConfig() lists the flags in table order", () => {
  const names = renderConfig(loadConfig([], { hostname: "mx.test" }).config).trimEnd().split("\n")
    .map((line) => line.slice(2, line.indexOf("=")));
  assert.deepEqual(names, FLAGS.map((row) => row.name).filter((name) => name !== "flagfile"));
});
