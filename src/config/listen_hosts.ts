/**
 * Listen addresses checked against this host before any socket opens, as
 * `check` and `serve` both do: a name (`localhost:2525`) is looked up as the
 * bind would (its first address), so whether it exists and whether it lands
 * on another listener's address is known; and an address must be one of the
 * host's own, or the bind fails ("no such address on this host").
 */

import { lookup } from "node:dns/promises";
import type { ListenAddress } from "./address.ts";
import { type Config, ConfigError } from "./config.ts";
import { formatHostPort } from "./address.ts";
import { canonicalIp, isIpLiteral, parseIp, parseIpv4 } from "./ip.ts";
import { canonicalHost, LISTENERS, listenOverlap } from "./validate.ts";

/** The first address a host name resolves to, as binding it would pick; throws when there is none. */
export type LookupHost = (hostname: string) => Promise<string>;

/**
 * The host's own addresses, in any spelling, for IPv4 or IPv6; null when
 * they cannot be listed.
 */
export type LocalAddresses = (family: 4 | 6) => readonly string[] | null;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), as `Deno.listen` asks it. */
async function systemLookup(hostname: string): Promise<string> {
  return (await lookup(hostname)).address;
}

/**
 * The interfaces' addresses. Whether the kernel would also bind others
 * (`net.ipv4.ip_nonlocal_bind`, for a floating address) is not read from
 * /proc, which Deno lets only `--allow-all` read: `systemCanBind` asks the
 * kernel instead.
 */
function systemLocalAddresses(_family: 4 | 6): readonly string[] | null {
  try {
    return Deno.networkInterfaces().map((entry) => entry.address);
  } catch {
    return null; // no permission to list them: the bind will tell
  }
}

/**
 * Whether a listener on `address` could be reached: a socket binds it (on a
 * port of the kernel's choosing, closed at once) and it is no broadcast
 * address of this host's networks, which the kernel binds too (for
 * datagrams) though TCP never connects to one (RFC 1122 4.2.3.10). False
 * when the kernel says it is no address of this host, or refuses it as given
 * (EINVAL: a link-local address without its zone, a multicast one); any
 * other failure (no permission to probe, no descriptor left) leaves it to
 * the real bind to say.
 */
export function systemCanBind(address: string): boolean {
  if (isInterfaceBroadcast(address)) return false;
  try {
    Deno.listen({ hostname: address, port: 0 }).close();
    return true;
  } catch (error) {
    // Deno reports EINVAL from bind(2) as a TypeError ("Invalid argument (os error 22)").
    return !(error instanceof Deno.errors.AddrNotAvailable || error instanceof TypeError);
  }
}

/** Whether `address` is the broadcast address of one of the interfaces' IPv4 networks. */
function isInterfaceBroadcast(address: string): boolean {
  const target = parseIpv4(address);
  if (target === null) return false;
  let interfaces: Deno.NetworkInterfaceInfo[];
  try {
    interfaces = Deno.networkInterfaces();
  } catch {
    return false; // cannot be listed: the probe decides alone
  }
  const value = ipv4Value(target);
  return interfaces.some((entry) => {
    const own = entry.family === "IPv4" ? parseIpv4(entry.address) : null;
    const prefix = Number(entry.cidr.split("/")[1]);
    // A /31 or /32 has no broadcast address (RFC 3021).
    if (own === null || !(prefix >= 0 && prefix <= 30)) return false;
    const hostBits = 2 ** (32 - prefix) - 1;
    return ((ipv4Value(own) | hostBits) >>> 0) === value;
  });
}

function ipv4Value(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/**
 * Whether `address` (canonical) is a multicast address (224.0.0.0/4,
 * ff00::/8) or the limited broadcast: no TCP connection ever comes to one
 * (RFC 1122 4.2.3.10), though a socket may bind it.
 */
function isGroupAddress(address: string): boolean {
  const ip = parseIp(address);
  if (ip === null) return false;
  const first = ip.bytes[0]!;
  if (ip.family === 6) return first === 0xff;
  return (first & 0xf0) === 0xe0 || address === "255.255.255.255";
}

/** Whether `address` (canonical) binds everywhere, or on the loopback net all of which is local. */
function isAlwaysLocal(address: string): boolean {
  return address === "0.0.0.0" || address === "::" || /^127\./.test(address);
}

/**
 * Looks up every listen host that is a name and checks every address. A name
 * that does not resolve, an address that is not this host's, or two
 * listeners on one address after the lookup (`localhost:2525` with
 * `127.0.0.1:2525`) is a ConfigError naming the flags.
 */
export async function checkListenHosts(
  config: Config,
  options: {
    lookup?: LookupHost;
    localAddresses?: LocalAddresses;
    canBind?: (address: string) => boolean;
  } = {},
): Promise<void> {
  const resolve = options.lookup ?? systemLookup;
  const localAddresses = options.localAddresses ?? systemLocalAddresses;
  const canBind = options.canBind ?? systemCanBind;
  const resolved = new Map<string, string>();
  for (const [name, key] of LISTENERS) {
    const address = config[key] as ListenAddress | null;
    if (address === null) continue;
    const host = address.hostname.toLowerCase();
    if (!isIpLiteral(host) && !resolved.has(host)) {
      try {
        resolved.set(host, await resolve(host));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new ConfigError(
          `Invalid flag --${name}=${formatHostPort(address)}: ` +
            `cannot resolve "${address.hostname}" (${detail})`,
          { flags: [name] },
        );
      }
    }
    const ip = resolved.get(host) ?? host;
    const canonical = canonicalIp(ip) ?? ip;
    const family = parseIp(canonical)?.family ?? 4;
    // A zone (fe80::1%eth0) names a link, not an address the interfaces list spells; a group
    // address with one (ff02::1%eth0) is still no address a connection comes to.
    if (isAlwaysLocal(canonical) || (ip.includes("%") && !isGroupAddress(canonical))) continue;
    const local = localAddresses(family);
    if (local === null || local.some((other) => canonicalIp(other) === canonical)) continue;
    // Not an interface's: a floating address the kernel binds all the same (ip_nonlocal_bind).
    if (!isGroupAddress(canonical) && canBind(canonical)) continue;
    const via = resolved.has(host) ? ` (${address.hostname} is ${ip})` : "";
    throw new ConfigError(
      `Invalid flag --${name}=${formatHostPort(address)}: ${canonical} is no address of ` +
        `this host${via}; its addresses: ${local.join(", ")}`,
      { flags: [name] },
    );
  }
  if (resolved.size === 0) return;
  const problem = listenOverlap(config, (hostname) => {
    const address = resolved.get(hostname.toLowerCase());
    return canonicalHost(address ?? hostname);
  });
  if (problem === null) return;
  const names = [...resolved].filter(([host]) => problem.text.toLowerCase().includes(`${host}:`))
    .map(([host, address]) => `${host} is ${address}`);
  const note = names.length === 0 ? "" : ` (${names.join(", ")})`;
  throw new ConfigError(`Invalid configuration: ${problem.text}${note}`, { flags: problem.flags });
}
