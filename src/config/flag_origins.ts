/**
 * Where each flag's value came from, so that a configuration problem found
 * only once the flags were read (a certificate that cannot be read, a listen
 * host that does not resolve, two listeners on one port) still names the
 * flags file and line to fix, as every configuration error must (design.md,
 * "The flags file").
 */

import type { ConfigError } from "./config.ts";

/** The flags file (if any) and the line of each flag whose value it gave. */
export interface FlagOrigins {
  flagfile: string | null;
  /** By flag name (without dashes); a flag the command line overrode is not here. */
  lines: ReadonlyMap<string, number>;
}

/** No flags file: every value is the command line's or a default. */
export const NO_FLAGFILE: FlagOrigins = { flagfile: null, lines: new Map() };

/**
 * The message of `error`, followed by where the flags file gives the flags it
 * is about: `(flags file "/etc/pillarbox.flags": --tls-cert on line 6)`. As is
 * when none of them came from the file.
 */
export function locateConfigError(error: ConfigError, origins: FlagOrigins): string {
  const places = error.flags.flatMap((name) => {
    const line = origins.lines.get(name);
    return line === undefined ? [] : [`--${name} on line ${line}`];
  });
  if (origins.flagfile === null || places.length === 0) return error.message;
  return `${error.message} (flags file "${origins.flagfile}": ${places.join(", ")})`;
}
