/**
 * Listen addresses given by name (`localhost:2525`, `mail.example.com:25`):
 * the bind looks the name up and takes its first address, so whether a name
 * exists, and whether it lands on another listener's address, is only known
 * after a lookup. `check` and `serve` both do it before any socket opens.
 */

import { lookup } from "node:dns/promises";
import type { ListenAddress } from "./address.ts";
import { type Config, ConfigError } from "./config.ts";
import { formatHostPort } from "./address.ts";
import { isIpLiteral } from "./ip.ts";
import { canonicalHost, LISTENERS, listenOverlap } from "./validate.ts";

/** The first address a host name resolves to, as binding it would pick; throws when there is none. */
export type LookupHost = (hostname: string) => Promise<string>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), as `Deno.listen` asks it. */
async function systemLookup(hostname: string): Promise<string> {
  return (await lookup(hostname)).address;
}

/**
 * Looks up every listen host that is a name. A name that does not resolve,
 * or resolves to an address another listener on the same port takes
 * (`localhost:2525` with `127.0.0.1:2525`), is a ConfigError naming the flags.
 */
export async function checkListenHosts(
  config: Config,
  options: { lookup?: LookupHost } = {},
): Promise<void> {
  const resolve = options.lookup ?? systemLookup;
  const resolved = new Map<string, string>();
  for (const [name, key] of LISTENERS) {
    const address = config[key] as ListenAddress | null;
    if (address === null || isIpLiteral(address.hostname)) continue;
    const host = address.hostname.toLowerCase();
    if (resolved.has(host)) continue;
    try {
      resolved.set(host, await resolve(host));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `Invalid flag --${name}=${formatHostPort(address)}: ` +
          `cannot resolve "${address.hostname}" (${detail})`,
      );
    }
  }
  if (resolved.size === 0) return;
  const problem = listenOverlap(config, (hostname) => {
    const address = resolved.get(hostname.toLowerCase());
    return canonicalHost(address ?? hostname);
  });
  if (problem === null) return;
  const names = [...resolved].filter(([host]) => problem.toLowerCase().includes(`${host}:`))
    .map(([host, address]) => `${host} is ${address}`);
  const note = names.length === 0 ? "" : ` (${names.join(", ")})`;
  throw new ConfigError(`Invalid configuration: ${problem}${note}`);
}
