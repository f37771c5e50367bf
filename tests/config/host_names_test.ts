/**
 * --hostname and --domains take domain names: an IP address or a number in
 * their place (RFC 1123 2.1: a name's last label is never all digits) is a bad
 * value naming the file and line, not the name said in EHLO and Message-IDs.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config/mod.ts";

const PATH = "/etc/pillarbox/flags";
const WHY =
  "a name's last label is never all digits (RFC 1123 2.1), so this is an address or a number, not a domain name";

/** Loads a flags file holding `text`; the host's own name is mx.test. */
function loadFile(text: string) {
  return loadConfig([`--flagfile=${PATH}`], { hostname: "mx.test", readTextFile: () => text })
    .config;
}

const refused: [string, string, string][] = [
  [
    "an IPv4 address as --hostname is refused",
    "--hostname=192.0.2.25\n",
    `line 1: --hostname: invalid host name "192.0.2.25": ${WHY}`,
  ],
  [
    "a bare number as --hostname is refused",
    "# the MX\n--hostname=25\n",
    `line 2: --hostname: invalid host name "25": ${WHY}`,
  ],
  [
    "an IPv4 address in --domains is refused",
    "--domains=example.test,192.0.2.25\n",
    `line 1: --domains: invalid domain "192.0.2.25": ${WHY}`,
  ],
  [
    "a domain ending in a number is refused",
    "--domains=example.123\n",
    `line 1: --domains: invalid domain "example.123": ${WHY}`,
  ],
];
for (const [name, text, detail] of refused) {
  Deno.test(name, () => {
    assert.throws(() => loadFile(text), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `Cannot read flags file "${PATH}": ${detail}`);
      return true;
    });
  });
}

Deno.test("an IP address as --hostname on the command line is refused naming the flag", () => {
  assert.throws(() => loadConfig(["--hostname=192.0.2.25"]), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      `Invalid flag --hostname="192.0.2.25": invalid host name "192.0.2.25": ${WHY}`,
    );
    return true;
  });
});

const accepted: [string, string, Partial<{ hostname: string; domains: readonly string[] }>][] = [
  ["a one-label --hostname is accepted", "--hostname=localhost\n", { hostname: "localhost" }],
  [
    "names with digits in them are accepted",
    "--hostname=mx1.123mail.test\n--domains=3com.test,1.example.test\n",
    { hostname: "mx1.123mail.test", domains: ["3com.test", "1.example.test"] },
  ],
];
for (const [name, text, expected] of accepted) {
  Deno.test(name, () => {
    const config = loadFile(text);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(config[key as keyof typeof expected], value);
    }
  });
}

Deno.test("a host whose own name is all digits: every command is told to pass --hostname", () => {
  // A container named 123456 has no --hostname default; `user add` reads the same config.
  assert.throws(
    () => loadConfig(["user", "add", "bob@example.test"], { hostname: "123456" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(
        error.message,
        `This host's name "123456" cannot be the default --hostname (invalid host name "123456": ` +
          `${WHY}): pass --hostname=NAME, the name this server greets with ` +
          "(e.g. --hostname=mail.example.com), on the command line or in the flags file",
      );
      return true;
    },
  );
  const given = loadConfig(["user", "add", "--hostname=mx.example.test"], { hostname: "123456" });
  assert.equal(given.config.hostname, "mx.example.test", "--hostname needs no default");
});
