import assert from "node:assert/strict";
import {
  type Config,
  ConfigError,
  formatCidr,
  loadConfig,
  renderConfig,
} from "../../src/config/mod.ts";

/** Loads argv with a fixed host name and an in-memory flags file. */
function load(argv: string[], file = ""): Config {
  return loadConfig(argv, { hostname: "mx.test", readTextFile: () => file }).config;
}

Deno.test("loadConfig() with no flags gives the safe loopback defaults", () => {
  const config = load([]);
  assert.equal(config.hostname, "mx.test");
  assert.deepEqual(config.domains, ["localhost"]);
  assert.equal(config.spoolDir, "./spool");
  assert.equal(config.usersFile, "./spool/users");
  assert.equal(config.aliasesFile, "./spool/aliases");
  assert.deepEqual(config.smtpListen, { hostname: "127.0.0.1", port: 2525 });
  assert.deepEqual(config.submissionListen, { hostname: "127.0.0.1", port: 2587 });
  assert.deepEqual(config.pop3Listen, { hostname: "127.0.0.1", port: 2110 });
  assert.deepEqual(config.imapListen, { hostname: "127.0.0.1", port: 2143 });
  for (const key of ["submissionsListen", "pop3sListen", "imapsListen", "httpListen"] as const) {
    assert.equal(config[key], null, key);
  }
  assert.deepEqual(config.relayNetworks.map(formatCidr), ["127.0.0.0/8", "::1/128"]);
  assert.equal(config.smarthost, null);
  assert.equal(config.smarthostTls, "starttls");
  assert.equal(config.dnsServer, null);
  assert.deepEqual(config.routes, []);
  assert.equal(config.retryIntervalMs, 30 * 60_000);
  assert.equal(config.queueLifetimeMs, 5 * 86_400_000);
  assert.equal(config.delayWarningMs, 4 * 3_600_000);
  assert.equal(config.maxMessageBytes, 25_000_000);
  assert.equal(config.maxRecipients, 1000);
  assert.equal(config.maxConnections, 256);
  assert.equal(config.logLevel, "info");
  assert.equal(config.logFormat, "text");
  assert.equal(config.insecureAuth, false);
});

const followers: Array<[string, string[], string, string]> = [
  ["usersFile follows --spool-dir", ["--spool-dir=/srv/pb"], "/srv/pb/users", "/srv/pb/aliases"],
  [
    "usersFile does not double a trailing slash",
    ["--spool-dir=/srv/pb/"],
    "/srv/pb/users",
    "/srv/pb/aliases",
  ],
  ["usersFile under the root spool is /users", ["--spool-dir=/"], "/users", "/aliases"],
  [
    "an explicit --users-file wins over the spool default",
    ["--spool-dir=/srv", "--users-file=/etc/pb/users"],
    "/etc/pb/users",
    "/srv/aliases",
  ],
];
for (const [name, argv, usersFile, aliasesFile] of followers) {
  Deno.test(name, () => {
    const config = load(argv);
    assert.equal(config.usersFile, usersFile);
    assert.equal(config.aliasesFile, aliasesFile);
  });
}

Deno.test("usersFile follows --spool-dir given in the flags file", () => {
  assert.equal(load(["--flagfile=f"], "--spool-dir=/var/pb\n").usersFile, "/var/pb/users");
});

Deno.test("loadConfig() returns a deeply frozen Config", () => {
  const config = load(["--route=a.test=mx:25", "--smarthost=relay.test:587"]);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.domains));
  assert.ok(Object.isFrozen(config.smtpListen));
  assert.ok(Object.isFrozen(config.relayNetworks));
  assert.ok(Object.isFrozen(config.relayNetworks[0]));
  assert.ok(Object.isFrozen(config.routes[0]));
  assert.ok(Object.isFrozen(config.smarthost));
  assert.throws(() => {
    (config as { spoolDir: string }).spoolDir = "/elsewhere";
  }, TypeError);
});

const invalid: Array<[string, string[], string]> = [
  [
    "loadConfig() refuses --tls-cert without --tls-key",
    ["--tls-cert=/c.pem"],
    "Invalid configuration: --tls-cert and --tls-key must be given together",
  ],
  [
    "loadConfig() refuses --tls-key without --tls-cert",
    ["--tls-key=/k.pem"],
    "Invalid configuration: --tls-cert and --tls-key must be given together",
  ],
  [
    "loadConfig() refuses a smarthost user without a password file",
    ["--smarthost=relay.test:587", "--smarthost-user=bob"],
    "Invalid configuration: --smarthost-user and --smarthost-password-file must be given together",
  ],
  [
    "loadConfig() refuses a TLS listener without a certificate",
    ["--imaps-listen=:993"],
    "Invalid configuration: --imaps-listen needs --tls-cert and --tls-key",
  ],
  [
    "loadConfig() refuses two listeners on one address",
    ["--submission-listen=127.0.0.1:2525"],
    "Invalid configuration: --smtp-listen and --submission-listen both listen on 127.0.0.1:2525",
  ],
  [
    "loadConfig() refuses a listener on an address another one's 0.0.0.0 already takes",
    ["--smtp-listen=:2600", "--pop3-listen=127.0.0.1:2600"],
    "Invalid configuration: --smtp-listen and --pop3-listen both listen on 0.0.0.0:2600 and 127.0.0.1:2600",
  ],
  [
    "loadConfig() refuses a 0.0.0.0 listener on a port an IPv4 listener before it already has",
    ["--smtp-listen=127.0.0.1:2605", "--pop3-listen=0.0.0.0:2605"],
    "Invalid configuration: --smtp-listen and --pop3-listen both listen on 127.0.0.1:2605 and 0.0.0.0:2605",
  ],
  [
    "loadConfig() refuses a listener on an address another one's [::] already takes (dual-stack)",
    ["--smtp-listen=127.0.0.1:2601", "--http-listen=[::]:2601"],
    "Invalid configuration: --smtp-listen and --http-listen both listen on 127.0.0.1:2601 and [::]:2601",
  ],
  [
    "loadConfig() refuses one IPv6 address spelled two ways on one port",
    ["--imap-listen=[::1]:2602", "--imaps-listen=[0:0::1]:2602", "--tls-cert=c", "--tls-key=k"],
    "Invalid configuration: --imap-listen and --imaps-listen both listen on [::1]:2602 and [0:0::1]:2602",
  ],
  [
    "loadConfig() refuses an IPv4 address and its IPv4-mapped IPv6 spelling on one port",
    ["--smtp-listen=127.0.0.1:2603", "--submission-listen=[::ffff:127.0.0.1]:2603"],
    "Invalid configuration: --smtp-listen and --submission-listen both listen on 127.0.0.1:2603 and [::ffff:127.0.0.1]:2603",
  ],
  [
    "loadConfig() refuses an IPv4-mapped address on a port another one's 0.0.0.0 already takes",
    ["--smtp-listen=:2604", "--pop3-listen=[::FFFF:7f00:1]:2604"],
    "Invalid configuration: --smtp-listen and --pop3-listen both listen on 0.0.0.0:2604 and [::FFFF:7f00:1]:2604",
  ],
];
for (const [name, argv, message] of invalid) {
  Deno.test(name, () => {
    assert.throws(() => load(argv), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  });
}

Deno.test("loadConfig() allows several listeners on port 0", () => {
  const config = load(["--smtp-listen=127.0.0.1:0", "--submission-listen=127.0.0.1:0"]);
  assert.equal(config.smtpListen?.port, 0);
  assert.equal(config.submissionListen?.port, 0);
});

Deno.test("loadConfig() allows one port on distinct addresses of which none covers another", () => {
  const config = load([
    "--smtp-listen=127.0.0.1:2525",
    "--submission-listen=127.0.0.2:2525",
    "--pop3-listen=[::1]:2525",
    "--imap-listen=0.0.0.0:2526",
    "--http-listen=[::1]:2526",
  ]);
  assert.equal(config.submissionListen?.hostname, "127.0.0.2");
});

Deno.test("loadConfig() keeps Unicode domains and host names in A-labels (RFC 5891 4)", () => {
  const config = load(["--domains=Bücher.test,example.test", "--hostname=mx.bücher.test"]);
  assert.deepEqual(config.domains, ["xn--bcher-kva.test", "example.test"]);
  assert.equal(config.hostname, "mx.xn--bcher-kva.test");
  assert.throws(() => load(["--domains=bad\u0300\u0301..test"]), /invalid domain "bad/i);
  assert.throws(() => load(["--hostname=ü..test"]), /invalid host name/i);
});

const roundTrips: Array<[string, string[]]> = [
  ["renderConfig() of the defaults re-parses to an equal Config", []],
  ["renderConfig() of a production setup re-parses to an equal Config", [
    "--hostname=mail.example.com",
    "--domains=example.com,Example.org",
    "--spool-dir=/var/spool/pillarbox",
    "--smtp-listen=:25",
    "--submission-listen=[::]:587",
    "--submissions-listen=:465",
    "--imaps-listen=0.0.0.0:993",
    "--pop3-listen=",
    "--http-listen=127.0.0.1:8080",
    "--tls-cert=/etc/pb/cert.pem",
    "--tls-key=/etc/pb/key.pem",
    "--insecure-auth",
    "--relay-networks=10.1.2.3/8,2001:db8::/32,192.0.2.1",
    "--smarthost=[2001:db8::25]:465",
    "--smarthost-tls=implicit",
    "--smarthost-user=relay",
    "--smarthost-password-file=/etc/pb/relay.pass",
    "--route=a.test=mx.a.test:25",
    "--route=b.test=127.0.0.1:2526",
    "--dns-server=127.0.0.1:5353",
    "--retry-interval=90s",
    "--queue-lifetime=36h",
    "--delay-warning=0",
    "--max-message-size=10MiB",
    "--max-recipients=50",
    "--max-connections=1000",
    "--log-level=trace",
    "--log-format=json",
  ]],
];
for (const [name, argv] of roundTrips) {
  Deno.test(name, () => {
    const config = load(argv);
    const rendered = renderConfig(config);
    const reparsed = load(["--flagfile=check.flags"], rendered);
    assert.deepEqual(reparsed, config);
    assert.equal(renderConfig(reparsed), rendered);
  });
}

Deno.test("renderConfig() writes one line per flag, and one per route", () => {
  const lines = renderConfig(load(["--route=a.test=mx:25", "--route=b.test=mx:26"])).trimEnd()
    .split("\n");
  assert.ok(lines.every((line) => /^--[a-z0-9-]+=/.test(line)));
  assert.deepEqual(lines.filter((line) => line.startsWith("--route=")), [
    "--route=a.test=mx:25",
    "--route=b.test=mx:26",
  ]);
  assert.ok(!lines.some((line) => line.startsWith("--flagfile")));
  assert.ok(renderConfig(load([])).includes("--route=\n"));
});
