/**
 * The one DNS fact `Deno.resolveDns` hides: the response code. On Deno 2.9
 * NXDOMAIN, SERVFAIL and "no records" all surface as the same NotFound
 * error, but the first is a permanent failure and the second a transient
 * one. When every lookup for a domain came back NotFound, this sends one
 * plain A query over UDP to the same server and reads the RCODE (RFC 1035
 * 4.1.1). Nothing else is parsed.
 */
import { domainToASCII } from "node:url";

/**
 * What the server said about a name: "servfail" stands for every refusal to
 * answer (SERVFAIL, REFUSED, NOTIMP, FORMERR), "unknown" for no answer.
 */
export type NameStatus = "exists" | "nxdomain" | "servfail" | "unknown";

/** Query types the probe can ask. */
const QUERY_TYPES = { A: 1, MX: 15 } as const;

/**
 * Asks `server` about `name` (type A unless `type` says MX); "unknown" when
 * no usable answer came in time.
 */
export async function probeName(
  name: string,
  options: { server: { ipAddr: string; port: number }; timeoutMs: number; type?: "A" | "MX" },
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
    socket.on("message", (message: Uint8Array) => {
      if (message.length < 4 || ((message[0]! << 8) | message[1]!) !== id) return;
      const rcode = message[3]! & 0x0f;
      finish(rcode === 0 ? "exists" : rcode === 3 ? "nxdomain" : "servfail");
    });
    socket.send(query, options.server.port, options.server.ipAddr);
  });
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
