import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config/mod.ts";

/** Loads argv with one in-memory flags file at /etc/pb.flags. */
function loadWithFile(text: string, argv: string[] = []) {
  return loadConfig(["--flagfile=/etc/pb.flags", ...argv], {
    hostname: "mx.test",
    readTextFile: (path) => {
      assert.equal(path, "/etc/pb.flags");
      return text;
    },
  });
}

/** Asserts that loading fails with exactly `message`. */
function assertConfigError(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

Deno.test("a flags file skips comments and blank lines and trims whitespace", () => {
  const { config } = loadWithFile(
    "# Pillarbox\n\n  --domains=example.com  \r\n\t# indented comment\n--smtp-listen=:25\n",
  );
  assert.deepEqual(config.domains, ["example.com"]);
  assert.deepEqual(config.smtpListen, { hostname: "0.0.0.0", port: 25 });
});

Deno.test("a flags file takes a value with spaces after the = as the value without them", () => {
  const { config } = loadWithFile(
    "--domains=example.com\n--hostname=  mx.example.com\n--max-message-size=\t10MB\n",
  );
  assert.equal(config.hostname, "mx.example.com");
  assert.equal(config.maxMessageBytes, 10_000_000);
});

Deno.test("a flags file appends repeated list flags", () => {
  const { config } = loadWithFile(
    "--route=a.test=mx:25\n--route=b.test=mx:26\n--domains=a\n--domains=b",
  );
  assert.equal(config.routes.length, 2);
  assert.deepEqual(config.domains, ["a", "b"]);
});

Deno.test("a flags file keeps a # inside a value and quotes inside a value", () => {
  const { config } = loadWithFile(
    '--spool-dir=/srv/mail#2\n--users-file=/etc/it\'s/users\n--smarthost-user="bob"@relay\n' +
      "--smarthost-password-file=/etc/pw\n",
  );
  assert.equal(config.spoolDir, "/srv/mail#2");
  assert.equal(config.usersFile, "/etc/it's/users");
  assert.equal(config.smarthostUser, '"bob"@relay');
});

Deno.test("a flags file reads a bare boolean", () => {
  assert.equal(loadWithFile("--insecure-auth\n").config.insecureAuth, true);
});

Deno.test("the command line overrides a single flag from the flags file", () => {
  const { config } = loadWithFile("--spool-dir=/file\n--log-level=debug\n", ["--spool-dir=/argv"]);
  assert.equal(config.spoolDir, "/argv");
  assert.equal(config.logLevel, "debug");
  assert.equal(config.usersFile, "/argv/users");
});

Deno.test("the command line replaces a list flag from the flags file", () => {
  const { config } = loadWithFile("--domains=a.test\n--domains=b.test\n", ["--domains=c.test"]);
  assert.deepEqual(config.domains, ["c.test"]);
  const none = loadWithFile("--relay-networks=10.0.0.0/8\n", ["--relay-networks="]);
  assert.deepEqual(none.config.relayNetworks, []);
});

const fileErrors: Array<[string, string, string | RegExp]> = [
  [
    "a flags file names an unknown flag with its line number",
    "# comment\n\n--smtp-listen=:25\n--smpt-listen=:25\n",
    'Cannot read flags file "/etc/pb.flags": line 4: unknown flag "--smpt-listen"',
  ],
  [
    "a flags file names a bad value with its line number",
    "--domains=x.test\n\n--max-message-size=25 furlongs\n",
    /^Cannot read flags file "\/etc\/pb.flags": line 3: --max-message-size: invalid size "25 furlongs": /,
  ],
  [
    "a flags file refuses a line that is not a flag",
    "spool-dir=/x\n",
    'Cannot read flags file "/etc/pb.flags": line 1: expected --name=value, got "spool-dir=/x"',
  ],
  [
    "a flags file refuses --name value with a space",
    "--spool-dir /x\n",
    'Cannot read flags file "/etc/pb.flags": line 1: --spool-dir needs a value written as --spool-dir=VALUE',
  ],
  [
    // Read as the bare flag, "false" would turn insecure-auth on.
    "a flags file refuses a boolean followed by a space and a value",
    "--domains=x.test\n--insecure-auth false\n",
    /line 2: --insecure-auth needs a value written as --insecure-auth=VALUE/,
  ],
  [
    "a flags file refuses --name value=x with a space before an =",
    "--hostname mx.x.test=x\n",
    /line 1: --hostname needs a value written as --hostname=VALUE/,
  ],
  [
    "a flags file refuses a non-boolean flag without a value",
    "--log-level\n",
    /line 1: --log-level needs a value written as --log-level=VALUE/,
  ],
  [
    "a flags file names the line of a hostname followed by a comment (comments take a line)",
    "--domains=x.test\n--hostname=mx.x.test   # our MX\n",
    /^Cannot read flags file "\/etc\/pb.flags": line 2: --hostname: invalid host name "mx.x.test {3}# our MX"/,
  ],
  [
    "a flags file names the line of a path followed by a comment, which would name another file",
    "--spool-dir=/var/spool/pillarbox\n--users-file=/etc/pillarbox/users   # the accounts\n",
    'Cannot read flags file "/etc/pb.flags": line 2: --users-file: "/etc/pillarbox/users   # the accounts"' +
    " holds a comment; a comment takes a line of its own",
  ],
  [
    "a flags file names the line of a name followed by a comment",
    "--smarthost-user=relay-user # from the provider\n",
    /^Cannot read flags file "\/etc\/pb.flags": line 1: --smarthost-user: .* holds a comment/,
  ],
  [
    "a flags file names the line of a value in double quotes (no shell takes them off)",
    '--spool-dir="/var/spool/pillarbox"\n',
    'Cannot read flags file "/etc/pb.flags": line 1: --spool-dir: "\\"/var/spool/pillarbox\\""' +
    " is in quotes; write the value without them (no shell reads this file)",
  ],
  [
    "a flags file names the line of a value in single quotes",
    "--aliases-file='/etc/pillarbox/aliases'\n",
    /^Cannot read flags file "\/etc\/pb.flags": line 1: --aliases-file: .* is in quotes/,
  ],
  [
    "a flags file names both lines of a flag that takes one value, given twice",
    "--spool-dir=/var/spool/pillarbox\n--hostname=mx.example.test\n\n--spool-dir=/srv/mail\n",
    'Cannot read flags file "/etc/pb.flags": line 4: --spool-dir is given again (first on line 1); it takes one value',
  ],
  [
    "a flags file refuses a boolean given twice, even with the same value",
    "--insecure-auth\n# again\n--insecure-auth=true\n",
    'Cannot read flags file "/etc/pb.flags": line 3: --insecure-auth is given again (first on line 1); it takes one value',
  ],
  [
    "a flags file refuses a nested --flagfile",
    "--flagfile=/etc/other.flags\n",
    /line 1: --flagfile is only allowed on the command line/,
  ],
];
for (const [name, text, message] of fileErrors) {
  Deno.test(name, () => assertConfigError(() => loadWithFile(text), message));
}

Deno.test("an unreadable flags file is an error naming the file", () => {
  assertConfigError(
    () =>
      loadConfig(["--flagfile=/etc/pb.flags"], {
        hostname: "mx.test",
        readTextFile: () => {
          throw new Deno.errors.NotFound("No such file or directory");
        },
      }),
    'Cannot read flags file "/etc/pb.flags": no such file or directory',
  );
});

const canUseDisk = Deno.permissions.querySync({ name: "write" }).state === "granted" &&
  Deno.permissions.querySync({ name: "read" }).state === "granted";

Deno.test({
  name: "a real flags file on disk is read with --flagfile FILE",
  ignore: !canUseDisk,
  fn: () => {
    const dir = makeTestDir({ prefix: "pillarbox_config_" });
    try {
      const path = `${dir}/pb.flags`;
      Deno.writeTextFileSync(path, "--spool-dir=/srv/mail\n--imap-listen=\n");
      const { config, words } = loadConfig(["check", "--flagfile", path], { hostname: "mx.test" });
      assert.deepEqual(words, ["check"]);
      assert.equal(config.spoolDir, "/srv/mail");
      assert.equal(config.imapListen, null);
      assertConfigError(
        () => loadConfig([`--flagfile=${dir}/missing.flags`], { hostname: "mx.test" }),
        new RegExp(`^Cannot read flags file "${dir}/missing.flags": `),
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a flags file on disk that is not UTF-8 (Latin-1) names the line, not a path with U+FFFD",
  ignore: !canUseDisk,
  fn: () => {
    const dir = makeTestDir({ prefix: "pillarbox_config_" });
    try {
      const path = `${dir}/pb.flags`;
      // "--spool-dir=/srv/mäil" saved in Latin-1: the ä is the one byte 0xE4.
      const latin1 = Uint8Array.from("# mail\n--spool-dir=/srv/m\xe4il\n", (c) => c.charCodeAt(0));
      Deno.writeFileSync(path, latin1);
      assertConfigError(
        () => loadConfig([`--flagfile=${path}`], { hostname: "mx.test" }),
        `Cannot read flags file "${path}": line 2: not valid UTF-8 (save the file as UTF-8)`,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
