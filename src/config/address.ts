/**
 * Network endpoints as flags spell them: listen addresses (`127.0.0.1:2525`,
 * `:25`, `[::1]:25`), next hops (`host:port`) and routes (`domain=host:port`).
 */

import { asciiHostname } from "../mail/mod.ts";
import { isIpLiteral } from "./ip.ts";

/** Where a listener binds; port 0 asks the system for a free port. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/** A server to connect to. */
export interface HostPort {
  hostname: string;
  port: number;
}

/** A fixed next hop for mail to one domain. */
export interface Route {
  domain: string;
  hostname: string;
  port: number;
}

/** Splits `host:port` or `[v6]:port`; the host may be empty (`:25`). */
function splitHostPort(text: string, minPort: number): { hostname: string; port: number } {
  const colon = text.lastIndexOf(":");
  if (text.startsWith("[") && !text.includes("]:")) {
    throw new Error(`Invalid address "${text}": expected [IPv6 address]:port`);
  }
  if (colon < 0) throw new Error(`Invalid address "${text}": expected host:port`);
  let hostname = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (hostname.startsWith("[") && hostname.endsWith("]")) {
    hostname = hostname.slice(1, -1);
    if (!hostname.includes(":") || !isIpLiteral(hostname)) {
      throw new Error(`Invalid address "${text}": brackets must hold an IPv6 address`);
    }
  } else if (hostname.includes(":")) {
    throw new Error(`Invalid address "${text}": write an IPv6 address in brackets, like [::1]:25`);
  } else if (hostname !== "" && !isIpLiteral(hostname)) {
    const name = asciiHostname(hostname);
    if (name === null) {
      throw new Error(`Invalid address "${text}": "${hostname}" is not a host name or IP address`);
    }
    // A name's last label is never all digits (RFC 1123 2.1): "127.0.0.010" or "127.1" would
    // go to the system resolver, which reads them as IPv4 in its own way (010 is octal 8).
    if (/^[0-9]+$/.test(name.slice(name.lastIndexOf(".") + 1))) {
      throw new Error(
        `Invalid address "${text}": "${hostname}" is not an IP address ` +
          "(four decimal numbers from 0 to 255, without leading zeros) nor a host name",
      );
    }
    hostname = name;
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535 || Number(portText) < minPort) {
    throw new Error(`Invalid address "${text}": port must be a number from ${minPort} to 65535`);
  }
  return { hostname, port: Number(portText) };
}

/**
 * Parses a listen address. An empty host (`:25`) means every IPv4 interface
 * (`0.0.0.0`); port 0 is allowed. Throws an Error on bad input.
 */
export function parseListenAddress(text: string): ListenAddress {
  const { hostname, port } = splitHostPort(text, 0);
  return { hostname: hostname === "" ? "0.0.0.0" : hostname, port };
}

/**
 * Parses `host:port` of a server to connect to (port 1 to 65535). With
 * `requireIp`, the host must be an IP literal (a DNS server cannot be found
 * by name). Throws an Error on bad input.
 */
export function parseHostPort(text: string, options: { requireIp?: boolean } = {}): HostPort {
  const { hostname, port } = splitHostPort(text, 1);
  if (hostname === "") throw new Error(`Invalid address "${text}": the host is missing`);
  if (options.requireIp && !isIpLiteral(hostname)) {
    throw new Error(`Invalid address "${text}": "${hostname}" is not an IP address`);
  }
  return { hostname, port };
}

/** Formats a host and port as `host:port`, bracketing IPv6 (`[::1]:25`). */
export function formatHostPort(address: { hostname: string; port: number }): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${host}:${address.port}`;
}

/** Parses `domain=host:port`; the domain is lowercased. Throws an Error on bad input. */
export function parseRoute(text: string): Route {
  const equals = text.indexOf("=");
  if (equals < 0) throw new Error(`Invalid route "${text}": expected domain=host:port`);
  const written = text.slice(0, equals).toLowerCase();
  const domain = asciiHostname(written);
  if (domain === null) {
    throw new Error(`Invalid route "${text}": "${written}" is not a domain name`);
  }
  const next = parseHostPort(text.slice(equals + 1));
  return { domain, hostname: next.hostname, port: next.port };
}

/** Formats a route as `domain=host:port`, the form {@link parseRoute} reads back. */
export function formatRoute(route: Route): string {
  return `${route.domain}=${formatHostPort(route)}`;
}
