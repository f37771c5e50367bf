import assert from "node:assert/strict";
import { ConfigError, loadConfig, type LoadedCommandLine } from "../../src/config/mod.ts";

/** Loads argv with a fixed host name and no file access. */
function load(argv: string[], passThrough: string[] = []): LoadedCommandLine {
  return loadConfig(argv, {
    hostname: "mx.test",
    passThrough,
    readTextFile: () => {
      throw new Error("no file expected");
    },
  });
}

Deno.test("loadConfig() keeps flags before and after the words out of the words", () => {
  const { config, words } = load([
    "--spool-dir=/a",
    "user",
    "add",
    "--domains=x.test",
    "bob@x.test",
  ]);
  assert.deepEqual(words, ["user", "add", "bob@x.test"]);
  assert.equal(config.spoolDir, "/a");
  assert.deepEqual(config.domains, ["x.test"]);
});

Deno.test("loadConfig() reads --name value for a non-boolean flag", () => {
  const { config, words } = load([
    "serve",
    "--spool-dir",
    "/var/spool/pb",
    "--max-recipients",
    "5",
  ]);
  assert.deepEqual(words, ["serve"]);
  assert.equal(config.spoolDir, "/var/spool/pb");
  assert.equal(config.maxRecipients, 5);
});

Deno.test("loadConfig() reads a bare boolean and does not eat the next word", () => {
  const { config, words } = load(["--insecure-auth", "serve"]);
  assert.equal(config.insecureAuth, true);
  assert.deepEqual(words, ["serve"]);
});

const booleans: Array<[string, string[], boolean]> = [
  ["loadConfig() reads --insecure-auth=true", ["--insecure-auth=true"], true],
  ["loadConfig() reads --insecure-auth=false", ["--insecure-auth=false"], false],
  ["loadConfig() lets a later boolean win", ["--insecure-auth", "--insecure-auth=false"], false],
  ["loadConfig() defaults --insecure-auth to false", [], false],
];
for (const [name, argv, expected] of booleans) {
  Deno.test(name, () => assert.equal(load(argv).config.insecureAuth, expected));
}

Deno.test("loadConfig() passes single-dash options and their values through as words", () => {
  const { words } = load(["sendmail", "-t", "-i", "-f", "a@x.test", "b@x.test", "-"]);
  assert.deepEqual(words, ["sendmail", "-t", "-i", "-f", "a@x.test", "b@x.test", "-"]);
});

Deno.test("loadConfig() passes listed --options through as words in order", () => {
  const { words } = load(["queue", "--json", "list", "--all"], ["--json", "--all"]);
  assert.deepEqual(words, ["queue", "--json", "list", "--all"]);
});

Deno.test("loadConfig() treats everything after -- as words", () => {
  const { config, words } = load(["sendmail", "--", "--domains=x.test", "--nope"]);
  assert.deepEqual(words, ["sendmail", "--domains=x.test", "--nope"]);
  assert.deepEqual(config.domains, ["localhost"]);
});

Deno.test("loadConfig() appends repeated list flags and repeated routes", () => {
  const { config } = load([
    "--domains=A.test,b.test",
    "--domains",
    "c.test",
    "--route=a.test=mx1.test:25",
    "--route",
    "b.test=[::1]:2525",
  ]);
  assert.deepEqual(config.domains, ["a.test", "b.test", "c.test"]);
  assert.deepEqual(config.routes, [
    { domain: "a.test", hostname: "mx1.test", port: 25 },
    { domain: "b.test", hostname: "::1", port: 2525 },
  ]);
});

Deno.test("loadConfig() reads an empty list and an empty listen address as none", () => {
  const { config } = load(["--relay-networks=", "--smtp-listen="]);
  assert.deepEqual(config.relayNetworks, []);
  assert.equal(config.smtpListen, null);
});

const errors: Array<[string, string[], string | RegExp]> = [
  [
    "loadConfig() names an unknown flag",
    ["serve", "--smpt-listen=:25"],
    'Unknown flag "--smpt-listen"',
  ],
  [
    "loadConfig() refuses an unlisted --option",
    ["queue", "list", "--json"],
    'Unknown flag "--json"',
  ],
  [
    "loadConfig() names the flag and value of a bad duration",
    ["--retry-interval=x"],
    /^Invalid flag --retry-interval="x": invalid duration "x": /,
  ],
  [
    "loadConfig() reports a missing value at the end",
    ["--spool-dir"],
    "Invalid flag --spool-dir: a value is required (--spool-dir=VALUE)",
  ],
  [
    "loadConfig() reports a missing value before another flag",
    ["--spool-dir", "--insecure-auth"],
    /--spool-dir: a value is required/,
  ],
  ["loadConfig() refuses a bad boolean", ["--insecure-auth=yes"], /invalid boolean "yes"/],
  ["loadConfig() refuses max-recipients 0", ["--max-recipients=0"], /at least 1/],
  ["loadConfig() refuses a fractional max-connections", ["--max-connections=1.5"], /whole number/],
  ["loadConfig() refuses a zero retry interval", ["--retry-interval=0"], /more than zero/],
  ["loadConfig() refuses an unknown smarthost-tls", ["--smarthost-tls=ssl"], /one of starttls/],
  ["loadConfig() refuses an unknown log level", ["--log-level=verbose"], /one of error, warn/],
  ["loadConfig() refuses a bad listen port", ["--imap-listen=:99999"], /port must be/],
  ["loadConfig() refuses a bad route", ["--route=example.com"], /expected domain=host:port/],
  ["loadConfig() refuses a DNS server by name", ["--dns-server=dns.test:53"], /not an IP/],
  ["loadConfig() refuses a bad domain", ["--domains=a b.test"], /invalid domain "a b.test"/],
  ["loadConfig() refuses an empty hostname", ["--hostname="], /must not be empty/],
  [
    "loadConfig() refuses a hostname with a space (an inline comment is not one)",
    ["--hostname=mx.example.com # the MX"],
    /^Invalid flag --hostname="mx.example.com # the MX": invalid host name "mx.example.com # the MX"/,
  ],
  [
    "loadConfig() refuses a quoted hostname",
    ['--hostname="mx.example.com"'],
    /invalid host name ""mx\.example\.com""/,
  ],
  [
    "loadConfig() refuses remote SMTP port 0",
    ["--remote-smtp-port=0"],
    /invalid port "0": expected a number from 1 to 65535/,
  ],
  [
    "loadConfig() refuses remote SMTP port 65536",
    ["--remote-smtp-port=65536"],
    /invalid port "65536": expected a number from 1 to 65535/,
  ],
  [
    "loadConfig() refuses a zero message size limit",
    ["--max-message-size=0"],
    /must be more than zero/,
  ],
  [
    "loadConfig() refuses a DEL character in a file name",
    ["--users-file=/etc/users\x7f"],
    /control character/,
  ],
  [
    "loadConfig() refuses a remote SMTP port above 65535",
    ["--remote-smtp-port=70000"],
    /invalid port "70000": expected a number from 1 to 65535/,
  ],
  ["loadConfig() refuses two flags files", ["--flagfile=a", "--flagfile=b"], /given twice/],
  ["loadConfig() refuses an empty flags file path", ["--flagfile= "], /the path is empty/],
];
for (const [name, argv, message] of errors) {
  Deno.test(name, () => {
    assert.throws(() => load(argv), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      if (typeof message === "string") assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    });
  });
}

Deno.test("loadConfig() accepts a zero delay warning, meaning never", () => {
  assert.equal(load(["--delay-warning=0"]).config.delayWarningMs, 0);
});

Deno.test("loadConfig() accepts uppercase log levels", () => {
  assert.equal(load(["--log-level=DEBUG"]).config.logLevel, "debug");
});
