/**
 * Where mail for a domain goes next: a `--route` for the domain, else the
 * `--smarthost`, else the domain's MX hosts (RFC 5321 5.1): by preference,
 * random among equals, each host's A then AAAA addresses in turn; no MX means
 * the domain's own addresses; a null MX (RFC 7505) is a permanent failure.
 * NXDOMAIN is permanent (for the domain, or for every one of its MX hosts);
 * timeouts and server failures are transient. Every
 * lookup has a deadline. An address literal ("[192.0.2.1]") is its own address.
 * A recipient's domain and its MX hosts are fully qualified (RFC 5321 5.1):
 * asked for as such, never with the system resolver's search domains appended
 * (RFC 1535); a configured route or smarthost name may rely on them.
 */
import { domainToASCII } from "node:url";
import { normalizeDomain } from "../auth/mod.ts";
import { hasALabelForm } from "../mail/mod.ts";
import { type NameStatus, probeName, systemNameServer } from "./dns_probe.ts";
import {
  loopFailure,
  type MxEntry,
  type SelfIdentity,
  selfPreferenceByAddress,
  selfPreferenceByName,
} from "./mx_loop.ts";

/**
 * The addresses one attempt tries at most, best first (RFC 5321 5.1 allows a limit and asks
 * for at least two; Postfix and Exim try five). Without one, a domain listing hundreds of
 * MX hosts that never answer holds a delivery slot for hours of connect timeouts, and costs
 * two DNS questions per host, every retry.
 */
export const MAX_ADDRESSES_PER_ATTEMPT = 10;

/** A fixed next hop (route or smarthost). */
export interface FixedHop {
  hostname: string;
  port: number;
}

/** What the planner needs to know (and how this host is known, to find MX loops). */
export interface NextHopOptions extends SelfIdentity {
  routes: readonly (FixedHop & { domain: string })[];
  smarthost: FixedHop | null;
  /** null: the system resolver. */
  dnsServer: FixedHop | null;
  /** Port for MX (and implicit-MX) delivery: 25 in production. */
  mxPort: number;
  dnsTimeoutMs?: number;
}

/** How to reach a domain, before DNS. `key` names the connection pool. */
export type HopPlan =
  | { kind: "route" | "smarthost"; key: string; host: FixedHop }
  | { kind: "mx"; key: string; domain: string };

/** One address to try: `name` is what the certificate should say. */
export interface Target {
  name: string;
  address: string;
  port: number;
}

/** The result of resolving a plan. */
export type Resolution =
  | { kind: "targets"; targets: Target[] }
  | { kind: "transient" | "permanent"; reason: string; status: string };

/** Picks the plan for `domain` (no I/O). */
export function planHop(domain: string, options: NextHopOptions): HopPlan {
  // Routes are written in A-labels; "bücher.test" is the same domain as "xn--bcher-kva.test".
  const ascii = normalizeDomain(domain); // no IDNA pass for an ASCII name: once per message
  const route = options.routes.find((r) => r.domain === ascii);
  if (route) {
    return { kind: "route", key: `route:${route.hostname}:${route.port}`, host: route };
  }
  if (options.smarthost) {
    const host = options.smarthost;
    return { kind: "smarthost", key: `smarthost:${host.hostname}:${host.port}`, host };
  }
  return { kind: "mx", key: `mx:${domain.toLowerCase()}`, domain: domain.toLowerCase() };
}

type Lookup = { records: string[] } | { error: "notfound" | "trouble"; detail: string };

/** DNS lookups with a deadline and a named server. */
export class NextHopResolver {
  readonly #options: NextHopOptions;
  readonly #timeoutMs: number;

  constructor(options: NextHopOptions) {
    this.#options = options;
    this.#timeoutMs = options.dnsTimeoutMs ?? 10_000;
  }

  /** Turns a plan into addresses to try, in order. */
  async resolve(plan: HopPlan): Promise<Resolution> {
    if (plan.kind !== "mx") {
      const host = plan.host;
      if (/^[0-9.]+$|:/.test(host.hostname)) {
        return {
          kind: "targets",
          targets: [{ name: host.hostname, address: host.hostname, port: host.port }],
        };
      }
      return await this.#addressesOf([host.hostname], {
        port: host.port,
        isImplicit: false,
        isConfigured: true,
      });
    }
    if (plan.domain.startsWith("[")) {
      const literal = literalTarget(plan.domain, this.#options.mxPort);
      const isSelf = literal.kind === "targets" &&
        selfPreferenceByAddress(literal.targets, () => 0, this.#options) !== null;
      return isSelf ? loopFailure(plan.domain) : literal;
    }
    if (!isAskable(plan.domain)) {
      // No name DNS can be asked for (RFC 5891 4.2): no retry will find one.
      return {
        kind: "permanent",
        reason: `Domain ${plan.domain} has no valid A-label form (IDNA)`,
        status: "5.1.2",
      };
    }
    const mx = await this.#query(plan.domain, "MX", true);
    if ("error" in mx && mx.error === "trouble") {
      return {
        kind: "transient",
        reason: `MX lookup for ${plan.domain} failed: ${mx.detail}`,
        status: "4.4.3",
      };
    }
    if ("error" in mx) {
      // "Not found" is also how a failing server (SERVFAIL, REFUSED) surfaces: only a domain
      // that surely has no MX records (an answer without any) is delivered to its own address
      // (RFC 5321 5.1). A probe without an answer proves nothing: the mail waits.
      const status = await this.#probe(plan.domain, "MX");
      if (status === "servfail" || status === "unknown") {
        const why = status === "servfail" ? "server failure" : "no answer from the DNS server";
        return {
          kind: "transient",
          reason: `MX lookup for ${plan.domain} failed (${why})`,
          status: "4.4.3",
        };
      }
      if (status === "nxdomain") {
        return {
          kind: "permanent",
          reason: `Domain ${plan.domain} does not exist (NXDOMAIN)`,
          status: "5.1.2",
        };
      }
    }
    const records = "records" in mx ? mx.records : [];
    if (records.length > 0 && records.every((r) => r.endsWith(" ."))) {
      return {
        kind: "permanent",
        reason: `Domain ${plan.domain} does not accept mail (null MX, RFC 7505)`,
        status: "5.1.10",
      };
    }
    const sorted = sortMx(records.filter((r) => !r.endsWith(" .")));
    const isImplicit = sorted.length === 0;
    // No MX: the domain itself is the implicit MX, at preference 0 (RFC 5321 5.1).
    const entries = isImplicit ? [{ exchange: aLabels(plan.domain), preference: 0 }] : sorted;
    const selfByName = selfPreferenceByName(entries, this.#options);
    const kept = entries.filter((entry) => selfByName === null || entry.preference < selfByName);
    if (kept.length === 0) return loopFailure(plan.domain);
    const resolution = await this.#addressesOf(kept.map((entry) => entry.exchange), {
      port: this.#options.mxPort,
      isImplicit,
      isConfigured: false,
      domain: plan.domain,
    });
    if (resolution.kind !== "targets") return resolution;
    const preferenceOf = (name: string) =>
      kept.find((entry) => entry.exchange === name)?.preference ?? 0;
    const selfByAddress = selfPreferenceByAddress(resolution.targets, preferenceOf, this.#options);
    if (selfByAddress === null) return resolution;
    const targets = resolution.targets.filter((t) => preferenceOf(t.name) < selfByAddress);
    if (targets.length > 0) return { kind: "targets", targets };
    // A better MX without an address for now (its lookup failed) is no loop yet: bounced as
    // one, the mail would be lost to a passing DNS failure while this host is only a backup.
    const unresolved = kept.filter((entry) =>
      entry.preference < selfByAddress &&
      !resolution.targets.some((target) => target.name === entry.exchange)
    ).map((entry) => entry.exchange).filter(isAskable);
    if (unresolved.length > 0 && !await this.#allNonexistent(unresolved)) {
      return {
        kind: "transient",
        reason: `No address found for ${unresolved.join(", ")}, ` +
          `the MX preferred to this host for ${plan.domain}`,
        status: "4.4.3",
      };
    }
    return loopFailure(plan.domain);
  }

  /**
   * The addresses of `hosts`: MX hosts (or the domain itself, `isImplicit`),
   * or the configured route or smarthost (`isConfigured`: asked for with the
   * system resolver's search domains, and never a reason to bounce).
   */
  async #addressesOf(
    hosts: string[],
    options: { port: number; isImplicit: boolean; isConfigured: boolean; domain?: string },
  ): Promise<Resolution> {
    const targets: Target[] = [];
    let trouble = "";
    // An MX host with a fake A-label is never asked for (the resolver refuses it): unusable
    // for good, like one that does not exist, not a DNS failure to wait out.
    const askable = options.isConfigured ? hosts : hosts.filter(isAskable);
    for (const host of askable) {
      if (targets.length >= MAX_ADDRESSES_PER_ATTEMPT) break;
      for (const type of ["A", "AAAA"] as const) {
        const found = await this.#query(host, type, !options.isConfigured);
        if ("records" in found) {
          for (const address of found.records) {
            targets.push({ name: host, address, port: options.port });
          }
        } else if (found.error === "trouble") {
          trouble = `${type} lookup for ${host} failed: ${found.detail}`;
        }
      }
    }
    if (targets.length > 0) {
      return { kind: "targets", targets: targets.slice(0, MAX_ADDRESSES_PER_ATTEMPT) };
    }
    if (trouble) return { kind: "transient", reason: trouble, status: "4.4.3" };
    if (options.isConfigured) {
      // A route or smarthost is our own configuration: a name of it DNS does not know (a
      // typo, a zone being reloaded) is no fault of the recipient's, and no reason to bounce.
      return {
        kind: "transient",
        reason: `No address found for the configured next hop ${hosts.join(", ")}`,
        status: "4.3.5",
      };
    }
    const name = options.domain ?? hosts[0] ?? "";
    if (!options.isImplicit) {
      // MX hosts that surely do not exist will not appear by retrying for days (Postfix
      // bounces them at once too); a host that exists, or a server in trouble, might.
      if (await this.#allNonexistent(askable)) {
        return {
          kind: "permanent",
          reason: askable.length === hosts.length
            ? `MX host ${hosts.join(", ")} does not exist (NXDOMAIN)`
            : `MX host ${hosts.join(", ")} does not exist (NXDOMAIN) or has a fake A-label`,
          status: "5.4.4",
        };
      }
      return {
        kind: "transient",
        reason: `No address found for ${hosts.join(", ")}`,
        status: "4.4.3",
      };
    }
    // Every lookup said "not found": was it NXDOMAIN, no data, or a failing server? A name
    // with no A record may still have an AAAA one its server failed to give (IPv6 only).
    let status = await this.#probe(name, "A");
    if (status === "exists") status = await this.#probe(name, "AAAA");
    if (status === "nxdomain") {
      return {
        kind: "permanent",
        reason: `Domain ${name} does not exist (NXDOMAIN)`,
        status: "5.1.2",
      };
    }
    if (status === "exists") {
      return {
        kind: "permanent",
        reason: `Domain ${name} has no MX and no address records`,
        status: "5.1.2",
      };
    }
    return {
      kind: "transient",
      reason: `DNS lookup for ${name} failed (server failure)`,
      status: "4.4.3",
    };
  }

  /** Whether the DNS server says NXDOMAIN for every one of `hosts` (stops at the first that is not). */
  async #allNonexistent(hosts: string[]): Promise<boolean> {
    for (const host of hosts) {
      if (await this.#probe(host, "A") !== "nxdomain") return false;
    }
    return true;
  }

  /** The response code the DNS server gives for `name` and `type` (see dns_probe.ts). */
  async #probe(name: string, type: "A" | "AAAA" | "MX"): Promise<NameStatus> {
    const server = this.#options.dnsServer
      ? { ipAddr: this.#options.dnsServer.hostname, port: this.#options.dnsServer.port }
      : await systemNameServer();
    return server ? await probeName(name, { server, timeoutMs: this.#timeoutMs, type }) : "unknown";
  }

  /** `isQualified`: `name` is a fully qualified name, asked for without any search domain. */
  async #query(name: string, type: "MX" | "A" | "AAAA", isQualified: boolean): Promise<Lookup> {
    const server = this.#options.dnsServer;
    const asked = isQualified && !name.endsWith(".") ? `${name}.` : name;
    try {
      const options = {
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(server ? { nameServer: { ipAddr: server.hostname, port: server.port } } : {}),
      };
      if (type === "MX") {
        const records = await Deno.resolveDns(asked, "MX", options);
        // The resolver spells an IDN exchange in U-labels ("mx.bücher.test"): its name on the
        // wire (SNI, RFC 6066 3), in a DSN and against this host's own names is the A-labels.
        return {
          records: records.map((r) =>
            `${r.preference} ${aLabels(r.exchange.replace(/\.$/, "")) || "."}`
          ),
        };
      }
      return { records: await Deno.resolveDns(asked, type, options) };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { error: "notfound", detail: "not found" };
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { error: "trouble", detail };
    }
  }
}

/** `name` with its U-labels turned into A-labels ("mx.bücher.test" -> "mx.xn--bcher-kva.test"). */
function aLabels(name: string): string {
  return /[^\x00-\x7f]/.test(name) ? domainToASCII(name) || name : name;
}

/**
 * Whether DNS can be asked for `name`: an ASCII name can, unless a label is a
 * fake A-label ("xn--zz": "xn--" and no valid IDNA decoding, RFC 5890
 * 2.3.2.1), which the resolver refuses on every try; a name with U-labels
 * can when it has an A-label form.
 */
function isAskable(name: string): boolean {
  return !/[^\x00-\x7f]|(^|\.)xn--/i.test(name) || hasALabelForm(name);
}

/**
 * An address literal (RFC 5321 4.1.3) names the host itself: "[192.0.2.1]"
 * or "[IPv6:2001:db8::1]" is connected to without DNS. Each Snum of an IPv4
 * part is a decimal number: "[127.0.0.010]" is 127.0.0.10, written without
 * the leading zeros that the system resolver would read as octal (127.0.0.8).
 * Any other literal cannot be reached.
 */
function literalTarget(domain: string, port: number): Resolution {
  const inner = domain.slice(1, -1);
  const written = /^ipv6:/i.test(inner) ? inner.slice(5).toLowerCase() : inner;
  const address = written.replace(
    /(^|:)(\d{1,3}(?:\.\d{1,3}){3})$/,
    (_, lead: string, quad: string) => lead + quad.split(".").map(Number).join("."),
  );
  const isIpv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
  const isIpv6 = inner !== written && /^[0-9a-f:.]+$/.test(address) && address.includes(":");
  if (!domain.endsWith("]") || !(isIpv4 || isIpv6)) {
    return {
      kind: "permanent",
      reason: `Address literal ${domain} is not an IPv4 or IPv6 address`,
      status: "5.1.2",
    };
  }
  return { kind: "targets", targets: [{ name: address, address, port }] };
}

/** "10 a", "5 b", "10 c" -> ["b", then a and c in random order]. */
export function orderMx(records: string[], random: () => number = Math.random): string[] {
  return sortMx(records, random).map((entry) => entry.exchange);
}

/** `orderMx` with each host's preference (its lowest, when listed twice). */
function sortMx(records: string[], random: () => number = Math.random): MxEntry[] {
  const parsed = records.map((record) => {
    const [preference = "0", exchange = ""] = record.split(" ");
    return { preference: Number(preference), exchange, tiebreak: random() };
  });
  parsed.sort((a, b) => a.preference - b.preference || a.tiebreak - b.tiebreak);
  const seen = new Set<string>();
  return parsed.filter((entry) => !seen.has(entry.exchange) && seen.add(entry.exchange))
    .map(({ exchange, preference }) => ({ exchange, preference }));
}
