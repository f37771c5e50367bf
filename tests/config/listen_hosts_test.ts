/** Listen addresses given by name: looked up before any socket opens, as the bind would. */
import assert from "node:assert/strict";
import { checkListenHosts, ConfigError, loadConfig } from "../../src/config/mod.ts";
import { systemCanBind } from "../../src/config/listen_hosts.ts";

/** A resolver that knows only these names. */
function hosts(table: Record<string, string>) {
  return (name: string) => {
    const address = table[name];
    if (address === undefined) return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${name}`));
    return Promise.resolve(address);
  };
}

const HOSTS = hosts({
  localhost: "127.0.0.1",
  "mx.test": "192.0.2.1",
  "alias.test": "192.0.2.1",
  "elsewhere.test": "198.51.100.7",
});
/** This host's addresses, as its interfaces list them. */
const LOCAL = (family: 4 | 6) => family === 4 ? ["127.0.0.1", "192.0.2.1"] : ["::1", "2001:db8::1"];
/** A kernel that binds no address but the interfaces' (ip_nonlocal_bind=0). */
const NOWHERE_ELSE = () => false;
const QUIET = ["--hostname=mx.test", "--submission-listen=", "--pop3-listen=", "--imap-listen="];

const refused: [string, string[], string][] = [
  [
    "a name that resolves to another listener's address on the same port is refused",
    ["--smtp-listen=localhost:2700", "--pop3-listen=127.0.0.1:2700"],
    "Invalid configuration: --smtp-listen and --pop3-listen both listen on localhost:2700 and 127.0.0.1:2700 (localhost is 127.0.0.1)",
  ],
  [
    "a name that resolves to an address another listener's 0.0.0.0 takes is refused",
    ["--smtp-listen=:2701", "--imap-listen=LocalHost:2701"],
    "Invalid configuration: --smtp-listen and --imap-listen both listen on 0.0.0.0:2701 and LocalHost:2701 (localhost is 127.0.0.1)",
  ],
  [
    "two names that resolve to one address are refused on one port",
    ["--smtp-listen=mx.test:2702", "--http-listen=alias.test:2702"],
    "Invalid configuration: --smtp-listen and --http-listen both listen on mx.test:2702 and alias.test:2702 (mx.test is 192.0.2.1, alias.test is 192.0.2.1)",
  ],
  [
    "a name that does not resolve is refused naming the flag and value",
    ["--smtp-listen=mx.tset:25"],
    'Invalid flag --smtp-listen=mx.tset:25: cannot resolve "mx.tset" (getaddrinfo ENOTFOUND mx.tset)',
  ],
  [
    "an address that is not this host's is refused naming the flag and the host's addresses",
    ["--smtp-listen=198.51.100.7:25"],
    "Invalid flag --smtp-listen=198.51.100.7:25: 198.51.100.7 is no address of this host; its addresses: 127.0.0.1, 192.0.2.1",
  ],
  [
    "a name that resolves to an address that is not this host's is refused",
    ["--imap-listen=elsewhere.test:143"],
    "Invalid flag --imap-listen=elsewhere.test:143: 198.51.100.7 is no address of this host (elsewhere.test is 198.51.100.7); its addresses: 127.0.0.1, 192.0.2.1",
  ],
  [
    "an IPv6 address that is not this host's is refused",
    ["--pop3-listen=[2001:DB8::2]:110"],
    "Invalid flag --pop3-listen=[2001:DB8::2]:110: 2001:db8::2 is no address of this host; its addresses: ::1, 2001:db8::1",
  ],
  [
    "an IPv6 address that starts like the IPv4 loopback net is no loopback",
    ["--pop3-listen=[127::1]:110"],
    "Invalid flag --pop3-listen=[127::1]:110: 127::1 is no address of this host; its addresses: ::1, 2001:db8::1",
  ],
];
for (const [name, argv, message] of refused) {
  Deno.test(name, async () => {
    const { config } = loadConfig([...QUIET, ...argv]);
    const options = { lookup: HOSTS, localAddresses: LOCAL, canBind: NOWHERE_ELSE };
    await assert.rejects(checkListenHosts(config, options), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  });
}

const accepted: [string, string[]][] = [
  ["a name on its own port is accepted", ["--smtp-listen=localhost:2710", "--pop3-listen=:2711"]],
  [
    "names that resolve to different addresses may share a port",
    ["--smtp-listen=localhost:2712", "--pop3-listen=mx.test:2712"],
  ],
  ["address literals are not looked up", ["--smtp-listen=127.0.0.1:2713"]],
  ["port 0 never collides", ["--smtp-listen=localhost:0", "--pop3-listen=127.0.0.1:0"]],
  [
    "the host's own addresses, in any spelling, and the wildcards are accepted",
    [
      "--smtp-listen=192.0.2.1:25",
      "--submission-listen=[::ffff:c000:201]:587",
      "--pop3-listen=[2001:db8:0::1]:110",
      "--imap-listen=[::]:143",
      "--http-listen=:80",
    ],
  ],
  ["the whole loopback net is the host's", ["--smtp-listen=127.0.0.2:25"]],
  // A zone (fe80::1%eth0) names a link; the interfaces list spells the address without it.
  ["a link-local address with a zone is left to the bind", ["--smtp-listen=[fe80::1%eth0]:25"]],
];
for (const [name, argv] of accepted) {
  Deno.test(name, async () => {
    const { config } = loadConfig([...QUIET, ...argv]);
    await checkListenHosts(config, {
      lookup: HOSTS,
      localAddresses: LOCAL,
      canBind: NOWHERE_ELSE,
    });
  });
}

Deno.test("any address is accepted where the host's addresses cannot be listed", async () => {
  const { config } = loadConfig([...QUIET, "--smtp-listen=198.51.100.7:25"]);
  await checkListenHosts(config, { lookup: HOSTS, localAddresses: () => null });
});

Deno.test("an address no interface has is accepted when the kernel binds it (a floating address)", async () => {
  const { config } = loadConfig([...QUIET, "--smtp-listen=198.51.100.7:25"]);
  const asked: string[] = [];
  const canBind = (address: string) => (asked.push(address), address === "198.51.100.7");
  await checkListenHosts(config, { lookup: HOSTS, localAddresses: LOCAL, canBind });
  assert.deepEqual(asked, ["198.51.100.7"]);
});

Deno.test("systemCanBind asks the kernel: the loopback binds, a TEST-NET address only with ip_nonlocal_bind", async () => {
  assert.equal(systemCanBind("127.0.0.1"), true);
  // Read through cat: Deno lets only --allow-all read /proc (and serve has no --allow-run).
  const sysctl = await new Deno.Command("cat", {
    args: ["/proc/sys/net/ipv4/ip_nonlocal_bind"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  if (sysctl === null || !sysctl.success) return; // not Linux: nothing more to compare
  const isNonlocalBind = new TextDecoder().decode(sysctl.stdout).trim() !== "0";
  assert.equal(systemCanBind("198.51.100.7"), isNonlocalBind);
});

// RFC 1122 4.2.3.10: TCP silently drops a SYN sent to a broadcast or multicast address. The
// kernel binds a socket to one all the same (for datagrams), so a bind probe cannot tell: a
// listener there would be up and reached by nobody.
const groupAddresses: [string, string, string][] = [
  ["an IPv4 multicast address", "--smtp-listen=224.0.0.1:25", "224.0.0.1"],
  ["the IPv4 limited broadcast address", "--smtp-listen=255.255.255.255:25", "255.255.255.255"],
  [
    "an IPv4 multicast address spelt as IPv4-mapped IPv6",
    "--smtp-listen=[::ffff:239.1.2.3]:25",
    "239.1.2.3",
  ],
  ["an IPv6 multicast address", "--pop3-listen=[ff02::1]:110", "ff02::1"],
  // A zone names the link to join the group on; still no address a connection comes to.
  ["an IPv6 multicast address with a zone", "--pop3-listen=[ff02::1%lo]:110", "ff02::1"],
];
for (const [what, flag, canonical] of groupAddresses) {
  Deno.test(`${what} is refused though the kernel lets a socket bind it`, async () => {
    const { config } = loadConfig([...QUIET, flag]);
    const options = { lookup: HOSTS, localAddresses: LOCAL }; // the real bind probe
    await assert.rejects(checkListenHosts(config, options), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`: ${canonical} is no address of this host`));
      return true;
    });
  });
}

Deno.test("systemCanBind: a broadcast address of this host's IPv4 networks is no address to listen on", () => {
  let interfaces: Deno.NetworkInterfaceInfo[];
  try {
    interfaces = Deno.networkInterfaces();
  } catch {
    return; // cannot be listed here: nothing to compare
  }
  for (const entry of interfaces) {
    const prefix = Number(entry.cidr.split("/")[1]);
    if (entry.family !== "IPv4" || !(prefix <= 30) || entry.address.startsWith("127.")) continue;
    const bytes = entry.address.split(".").map(Number);
    const host = 32 - prefix;
    const value = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    const broadcast = (value | (2 ** host - 1)) >>> 0;
    const text = [24, 16, 8, 0].map((shift) => (broadcast >>> shift) & 255).join(".");
    assert.equal(systemCanBind(text), false, `${text} (${entry.cidr} on ${entry.name})`);
  }
});

Deno.test("systemCanBind: an address the kernel refuses as given (EINVAL: link-local without its zone) is not bindable", () => {
  if (!systemCanBind("::1")) return; // no IPv6 here
  assert.equal(systemCanBind("fe80::1"), false);
  assert.equal(systemCanBind("ff02::1"), false);
});
