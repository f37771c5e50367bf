/**
 * Checks that look at more than one flag, run after defaults, the flags file
 * and the command line are merged. Single values are checked by their codecs.
 */

import { formatHostPort, type ListenAddress } from "./address.ts";
import { type Config, ConfigError } from "./config.ts";

/** A cross-flag rule: returns a problem, or null if the configuration is fine. */
type Rule = (config: Config) => string | null;

/** Listener flags and the Config fields they set. */
const LISTENERS: ReadonlyArray<readonly [string, keyof Config]> = [
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

/** A rule that `a` and `b` are both set or both empty. */
function together(a: keyof Config, aName: string, b: keyof Config, bName: string): Rule {
  return (config) =>
    (config[a] === "") === (config[b] === "")
      ? null
      : `--${aName} and --${bName} must be given together`;
}

const RULES: readonly Rule[] = [
  together("tlsCert", "tls-cert", "tlsKey", "tls-key"),
  together("smarthostUser", "smarthost-user", "smarthostPasswordFile", "smarthost-password-file"),
  (config) => {
    if (config.tlsCert !== "") return null;
    const enabled = LISTENERS.find(([name, key]) =>
      TLS_LISTENERS.includes(name) && config[key] !== null
    );
    return enabled === undefined ? null : `--${enabled[0]} needs --tls-cert and --tls-key`;
  },
  (config) => {
    const seen = new Map<string, string>();
    for (const [name, key] of LISTENERS) {
      const address = config[key] as ListenAddress | null;
      if (address === null || address.port === 0) continue;
      const spelled = formatHostPort(address);
      const other = seen.get(spelled);
      if (other !== undefined) return `--${other} and --${name} both listen on ${spelled}`;
      seen.set(spelled, name);
    }
    return null;
  },
];

/** Throws a ConfigError for the first cross-flag problem found. */
export function validateConfig(config: Config): void {
  for (const rule of RULES) {
    const problem = rule(config);
    if (problem !== null) throw new ConfigError(`Invalid configuration: ${problem}`);
  }
}
