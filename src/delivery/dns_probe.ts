/**
 * The one DNS fact `Deno.resolveDns` hides: the response code. On Deno 2.9
 * NXDOMAIN, SERVFAIL and "no records" all surface as the same NotFound
 * error, but the first is a permanent failure and the second a transient
 * one. When every lookup for a domain came back NotFound, this sends one
 * plain A query over UDP to the same server and reads the RCODE (RFC 1035
 * 4.1.1), taking only the answer to its own question (RFC 5452 3). Nothing
 * else is parsed.
 */
import { domainToASCII } from "node:url";

/**
 * What the server said about a name: "servfail" stands for every refusal to
 * answer (SERVFAIL, REFUSED, NOTIMP, FORMERR), "unknown" for no answer.
 */
export type NameStatus = "exists" | "nxdomain" | "servfail" | "unknown";

/** Query types the probe can ask. */
const QUERY_TYPES = { A: 1, MX: 15, AAAA: 28 } as const;

/**
 * Asks `server` about `name` (type A unless `type` says MX or AAAA); "unknown" when
 * no usable answer came in time.
 */
export async function probeName(
  name: string,
  options: {
    server: { ipAddr: string; port: number };
    timeoutMs: number;
    type?: keyof typeof QUERY_TYPES;
  },
): Promise<NameStatus> {
  const qtype = QUERY_TYPES[options.type ?? "A"];
  const id = Math.floor(Math.random() * 0xffff);
  // Deno.resolveDns asks for a U-label name by its A-labels (IDNA, RFC 5890): the probe
  // must ask the same name, or "bücher.test" is a name no server knows (NXDOMAIN).
  const asked = domainToASCII(name) || name;
  const labels = asked.replace(/\.$/, "").split(".").flatMap((label) => {
    const bytes = new TextEncoder().encode(label);
    return [bytes.length, ...bytes];
  });
  const query = new Uint8Array([
    id >> 8,
    id & 255,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    qtype,
    0,
    1,
  ]);
  const dgram = await import("node:dgram"); // only when a probe is needed
  const socket = dgram.createSocket(options.server.ipAddr.includes(":") ? "udp6" : "udp4");
  return new Promise((resolve) => {
    const finish = (status: NameStatus) => {
      clearTimeout(timer);
      socket.close();
      resolve(status);
    };
    const timer = setTimeout(() => finish("unknown"), options.timeoutMs);
    socket.on("error", () => finish("unknown"));
    const server = { address: canonicalIp(options.server.ipAddr), port: options.server.port };
    socket.on("message", (message: Uint8Array, from: { address: string; port: number }) => {
      const isFromServer = from.port === server.port &&
        canonicalIp(from.address) === server.address;
      if (!isFromServer || !isAnswerTo(query, message)) return;
      const rcode = message[3]! & 0x0f;
      finish(rcode === 0 ? "exists" : rcode === 3 ? "nxdomain" : "servfail");
    });
    socket.send(query, options.server.port, options.server.ipAddr);
  });
}

/**
 * Whether `message` answers `query` (RFC 5452 3): the same ID, the QR bit
 * set, and the same question (names compared without ASCII case).
 */
function isAnswerTo(query: Uint8Array, message: Uint8Array): boolean {
  if (message.length < query.length || (message[2]! & 0x80) === 0) return false;
  if (message[0] !== query[0] || message[1] !== query[1]) return false;
  if (message[4] !== 0 || message[5] !== 1) return false;
  for (let at = 12; at < query.length; at++) {
    if (lowerAscii(message[at]!) !== lowerAscii(query[at]!)) return false;
  }
  return true;
}

function lowerAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
}

/** An IP address in one spelling ("0:0::1" and "::1" are the same server). */
function canonicalIp(address: string): string {
  if (!address.includes(":")) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

/** The first `nameserver` of /etc/resolv.conf (the system resolver), or null. */
export async function systemNameServer(): Promise<{ ipAddr: string; port: number } | null> {
  try {
    const text = await Deno.readTextFile("/etc/resolv.conf");
    const match = /^\s*nameserver\s+(\S+)/m.exec(text);
    return match ? { ipAddr: match[1]!, port: 53 } : null;
  } catch {
    return null;
  }
}
