/**
 * Checks that look at more than one flag, run after defaults, the flags file
 * and the command line are merged. Single values are checked by their codecs.
 */

import { formatHostPort, type ListenAddress } from "./address.ts";
import { type Config, ConfigError } from "./config.ts";
import { canonicalIp, parseIp } from "./ip.ts";

/** A problem with the configuration, and the flags (names without dashes) it is about. */
export interface Problem {
  text: string;
  flags: string[];
}

/** A cross-flag rule: returns a problem, or null if the configuration is fine. */
type Rule = (config: Config) => Problem | null;

/** Listener flags and the Config fields they set. */
export const LISTENERS: ReadonlyArray<readonly [string, keyof Config]> = [
  ["smtp-listen", "smtpListen"],
  ["submission-listen", "submissionListen"],
  ["submissions-listen", "submissionsListen"],
  ["pop3-listen", "pop3Listen"],
  ["pop3s-listen", "pop3sListen"],
  ["imap-listen", "imapListen"],
  ["imaps-listen", "imapsListen"],
  ["http-listen", "httpListen"],
];

/** Listeners that speak TLS from the first byte. */
const TLS_LISTENERS = ["submissions-listen", "pop3s-listen", "imaps-listen"];

/**
 * A listen host in one spelling per address (`::0001` is `::1`, `::ffff:127.0.0.1`
 * is `127.0.0.1`: binding one takes the other); names as written.
 */
export function canonicalHost(hostname: string): string {
  return canonicalIp(hostname) ?? hostname.toLowerCase();
}

/**
 * Whether two listeners on the same port would take each other's address:
 * the same host, or a wildcard that covers the other (`0.0.0.0` every IPv4
 * address; `::` every address, IPv4 too, as node:net binds it dual-stack).
 */
function isOverlap(a: string, b: string): boolean {
  if (a === b || a === "::" || b === "::") return true;
  const isIpv4 = (host: string) => parseIp(host)?.family === 4;
  return (a === "0.0.0.0" && isIpv4(b)) || (b === "0.0.0.0" && isIpv4(a));
}

/**
 * The first two listeners on one port whose hosts overlap, as a problem, or
 * null. `hostOf` gives each listen host's address to compare (its canonical
 * spelling; the address a name resolves to).
 */
export function listenOverlap(
  config: Config,
  hostOf: (hostname: string) => string,
): Problem | null {
  const seen: { name: string; address: ListenAddress; host: string }[] = [];
  for (const [name, key] of LISTENERS) {
    const address = config[key] as ListenAddress | null;
    if (address === null || address.port === 0) continue;
    const host = hostOf(address.hostname);
    const other = seen.find((earlier) =>
      earlier.address.port === address.port && isOverlap(earlier.host, host)
    );
    if (other !== undefined) {
      const where = formatHostPort(other.address) === formatHostPort(address)
        ? formatHostPort(address)
        : `${formatHostPort(other.address)} and ${formatHostPort(address)}`;
      return {
        text: `--${other.name} and --${name} both listen on ${where}`,
        flags: [other.name, name],
      };
    }
    seen.push({ name, address, host });
  }
  return null;
}

/** A rule that `a` and `b` are both set or both empty. */
function together(a: keyof Config, aName: string, b: keyof Config, bName: string): Rule {
  return (config) =>
    (config[a] === "") === (config[b] === "")
      ? null
      : { text: `--${aName} and --${bName} must be given together`, flags: [aName, bName] };
}

const RULES: readonly Rule[] = [
  together("tlsCert", "tls-cert", "tlsKey", "tls-key"),
  together("smarthostUser", "smarthost-user", "smarthostPasswordFile", "smarthost-password-file"),
  (config) => {
    if (config.tlsCert !== "") return null;
    const enabled = LISTENERS.find(([name, key]) =>
      TLS_LISTENERS.includes(name) && config[key] !== null
    );
    return enabled === undefined
      ? null
      : { text: `--${enabled[0]} needs --tls-cert and --tls-key`, flags: [enabled[0]] };
  },
  (config) => listenOverlap(config, canonicalHost),
];

/** Throws a ConfigError for the first cross-flag problem found. */
export function validateConfig(config: Config): void {
  for (const rule of RULES) {
    const problem = rule(config);
    if (problem === null) continue;
    throw new ConfigError(`Invalid configuration: ${problem.text}`, { flags: problem.flags });
  }
}
