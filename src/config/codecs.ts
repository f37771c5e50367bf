/**
 * Codecs: how each kind of flag value is read from text and written back.
 * A flags-table row names its codec; parsing, `--help`, `check` output and
 * the README all go through it, so a value printed by `renderConfig` parses
 * back to the same value.
 */

import {
  formatHostPort,
  formatRoute,
  type HostPort,
  type ListenAddress,
  parseHostPort,
  parseListenAddress,
  parseRoute,
  type Route,
} from "./address.ts";
import { asciiHostname } from "../mail/mod.ts";
import { type Cidr, formatCidr, parseCidr } from "./cidr.ts";
import { formatDurationMs, parseDurationMs } from "./duration.ts";
import { formatSizeBytes, parseSizeBytes } from "./size.ts";

/**
 * How one kind of value is parsed and printed. `arity` says how the flag is
 * written: `boolean` may stand bare, `single` takes one value (the last one
 * wins), `list` values are arrays and repeated flags append.
 */
export interface Codec<T> {
  /** Placeholder in `--help`, like `DURATION`. */
  metavar: string;
  arity: "boolean" | "single" | "list";
  /** Parses trimmed text; throws an Error whose message names the value. */
  parse(text: string): T;
  /** The values to write, one `--name=value` line each (none: one empty value). */
  format(value: T): string[];
}

/** Splits a comma list, trimming items and dropping empty ones. */
function splitList(text: string): string[] {
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/**
 * Why a valid-looking host name is none: its last label is all digits, as no
 * name's is (RFC 1123 2.1), so it is an IP address (`192.0.2.1`) or a number.
 * Null when it may be a name.
 */
function numericNameProblem(name: string): string | null {
  if (!/^[0-9]+$/.test(name.slice(name.lastIndexOf(".") + 1))) return null;
  return "a name's last label is never all digits (RFC 1123 2.1), so this is an address or a number, not a domain name";
}

/** Free text (a name or a path); "" allowed. Control characters are refused. */
export function textCodec(metavar: string): Codec<string> {
  return {
    metavar,
    arity: "single",
    parse(text) {
      // deno-lint-ignore no-control-regex
      if (/[\x00-\x1f\x7f]/.test(text)) {
        throw new Error(`Invalid value "${text}": control character`);
      }
      return text;
    },
    format: (value) => [value],
  };
}

/** Like {@link textCodec}, but "" is refused. */
export function requiredTextCodec(metavar: string): Codec<string> {
  const text = textCodec(metavar);
  return {
    ...text,
    parse(value) {
      if (value === "") throw new Error("Invalid value: must not be empty");
      return text.parse(value);
    },
  };
}

/**
 * A host name (RFC 5321 Domain: letters, digits, hyphens, dots), as said in
 * the greeting, in EHLO to other servers and in Received and Message-ID.
 */
export const hostnameCodec: Codec<string> = {
  metavar: "NAME",
  arity: "single",
  parse(text) {
    if (text === "") throw new Error("Invalid value: must not be empty");
    const name = asciiHostname(text);
    if (name === null) {
      throw new Error(`Invalid host name "${text}": expected a domain name like mail.example.com`);
    }
    // SMTP names the host by a resolvable domain name (RFC 5321 2.3.5, 4.1.4): said in EHLO to
    // other servers and in Message-IDs, an address in dotted form is no such name.
    const problem = numericNameProblem(name);
    if (problem !== null) throw new Error(`Invalid host name "${text}": ${problem}`);
    return name;
  },
  format: (value) => [value],
};

/** `true` or `false`; a bare flag means true. */
export const booleanCodec: Codec<boolean> = {
  metavar: "BOOL",
  arity: "boolean",
  parse(text) {
    const lower = text.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    throw new Error(`Invalid boolean "${text}": expected true or false`);
  },
  format: (value) => [String(value)],
};

/** One of a fixed set of words (case-insensitive on input). */
export function choiceCodec<const T extends string>(choices: readonly T[]): Codec<T> {
  return {
    metavar: choices.join("|"),
    arity: "single",
    parse(text) {
      const found = choices.find((choice) => choice === text.toLowerCase());
      if (found === undefined) {
        throw new Error(`Invalid choice "${text}": expected one of ${choices.join(", ")}`);
      }
      return found;
    },
    format: (value) => [value],
  };
}

/** A whole number of at least 1. */
export const positiveIntegerCodec: Codec<number> = {
  metavar: "N",
  arity: "single",
  parse(text) {
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`Invalid number "${text}": expected a whole number of at least 1`);
    }
    return value;
  },
  format: (value) => [String(value)],
};

/** A TCP port to connect to: 1 to 65535. */
export const portCodec: Codec<number> = {
  metavar: "PORT",
  arity: "single",
  parse(text) {
    const value = Number(text);
    if (!/^[0-9]{1,5}$/.test(text) || value < 1 || value > 65535) {
      throw new Error(`Invalid port "${text}": expected a number from 1 to 65535`);
    }
    return value;
  },
  format: (value) => [String(value)],
};

/** A whole number, 0 included (0 usually turns the feature off). */
export const countCodec: Codec<number> = {
  metavar: "N",
  arity: "single",
  parse(text) {
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) {
      throw new Error(`Invalid number "${text}": expected a whole number (0 or more)`);
    }
    return value;
  },
  format: (value) => [String(value)],
};

/** A duration in milliseconds; `allowZero` permits `0`. */
export function durationCodec(options: { allowZero: boolean }): Codec<number> {
  return {
    metavar: "DURATION",
    arity: "single",
    parse(text) {
      const ms = parseDurationMs(text);
      if (ms === 0 && !options.allowZero) {
        throw new Error(`Invalid duration "${text}": must be more than zero`);
      }
      return ms;
    },
    format: (value) => [formatDurationMs(value)],
  };
}

/** A size in bytes, at least 1. */
export const sizeCodec: Codec<number> = {
  metavar: "SIZE",
  arity: "single",
  parse(text) {
    const bytes = parseSizeBytes(text);
    if (bytes === 0) throw new Error(`Invalid size "${text}": must be more than zero`);
    return bytes;
  },
  format: (value) => [formatSizeBytes(value)],
};

/** A listen address; "" disables the listener (null). */
export const listenCodec: Codec<ListenAddress | null> = {
  metavar: "HOST:PORT",
  arity: "single",
  parse: (text) => text === "" ? null : parseListenAddress(text),
  format: (value) => [value === null ? "" : formatHostPort(value)],
};

/** A server address; "" means none (null). `requireIp` refuses host names. */
export function hostPortCodec(options: { requireIp: boolean }): Codec<HostPort | null> {
  return {
    metavar: options.requireIp ? "IP:PORT" : "HOST:PORT",
    arity: "single",
    parse: (text) => text === "" ? null : parseHostPort(text, options),
    format: (value) => [value === null ? "" : formatHostPort(value)],
  };
}

/** A comma list of domain names, lowercased. */
export const domainListCodec: Codec<readonly string[]> = {
  metavar: "DOMAIN,...",
  arity: "list",
  parse: (text) =>
    splitList(text).map((item) => {
      const domain = asciiHostname(item.toLowerCase());
      if (domain === null) throw new Error(`Invalid domain "${item}"`);
      const problem = numericNameProblem(domain);
      if (problem !== null) throw new Error(`Invalid domain "${item}": ${problem}`);
      return domain;
    }),
  format: (value) => [value.join(",")],
};

/** A comma list of networks in CIDR notation. */
export const cidrListCodec: Codec<readonly Cidr[]> = {
  metavar: "CIDR,...",
  arity: "list",
  parse: (text) => splitList(text).map(parseCidr),
  format: (value) => [value.map(formatCidr).join(",")],
};

/** Routes, one `domain=host:port` per flag; "" adds none. */
export const routeListCodec: Codec<readonly Route[]> = {
  metavar: "DOMAIN=HOST:PORT",
  arity: "list",
  parse: (text) => text === "" ? [] : [parseRoute(text)],
  format: (value) => value.length === 0 ? [""] : value.map(formatRoute),
};
