/**
 * A fake DNS server for outbound tests: UDP (and TCP) on 127.0.0.1, answering
 * MX, A and AAAA questions from a table. A name can be made to answer
 * SERVFAIL, NXDOMAIN or REFUSED, or to stay silent (a timeout); a null MX is simply
 * the record `{ preference: 0, exchange: "." }`.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";

/** What one name answers. */
export interface FakeZone {
  mx?: { preference: number; exchange: string }[];
  a?: string[];
  aaaa?: string[];
  /** Answer every question for this name with this rcode instead. */
  rcode?: Rcode;
  /** Answer only the questions of these types with an rcode (the others as usual). */
  rcodeFor?: Partial<Record<"MX" | "A" | "AAAA", Rcode>>;
  /** Never answer (the resolver times out). */
  isSilent?: boolean;
  /** Answer only this many questions of each type for the name, then none (lost packets). */
  answerLimit?: number;
}

/** A running fake DNS server. */
export interface FakeDns {
  port: number;
  /** Replaces or adds a name's records (names are matched without case). */
  set(name: string, zone: FakeZone): void;
  /** Every question received, as "TYPE name". */
  questions: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, string> = { 1: "A", 15: "MX", 28: "AAAA" };
const RCODES = { servfail: 2, nxdomain: 3, refused: 5 } as const;
type Rcode = keyof typeof RCODES;

/**
 * Starts the server on 127.0.0.1 with the same port for UDP and TCP: `port`
 * when given (53 inside a network namespace of one's own), else a free one.
 */
export async function startFakeDns(
  zones: Record<string, FakeZone> = {},
  options: { port?: number } = {},
): Promise<FakeDns> {
  const table = new Map<string, FakeZone>();
  for (const [name, zone] of Object.entries(zones)) table.set(name.toLowerCase(), zone);
  const questions: string[] = [];
  const answeredCount = new Map<string, number>();
  const answer = (query: Uint8Array): Uint8Array | null => {
    const parsed = parseQuestion(query);
    if (!parsed) return null;
    questions.push(`${TYPES[parsed.type] ?? parsed.type} ${parsed.name}`);
    const key = parsed.name.toLowerCase().replace(/\.$/, "");
    const zone = table.get(key);
    if (zone?.isSilent) return null;
    const asked = `${parsed.type} ${key}`;
    const answered = (answeredCount.get(asked) ?? 0) + 1;
    answeredCount.set(asked, answered);
    if (zone?.answerLimit !== undefined && answered > zone.answerLimit) return null;
    return buildResponse(query, parsed, zone);
  };
  // UDP and TCP on the same port: retry with a new port if TCP's is taken.
  for (let tries = 0;; tries++) {
    const udp = dgram.createSocket("udp4");
    udp.on("message", (message, remote) => {
      const query = new Uint8Array(message);
      const response = answer(query);
      if (response) udp.send(overUdp(query, response), remote.port, remote.address);
    });
    await new Promise<void>((resolve) => udp.bind(options.port ?? 0, "127.0.0.1", resolve));
    const port = udp.address().port;
    const tcp = net.createServer((socket) => serveTcp(socket, answer));
    const isListening = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (!isListening) {
      udp.close();
      if (tries > 20 || options.port) throw new Error("fake DNS: no free port pair");
      continue;
    }
    return {
      port,
      set: (name, zone) => table.set(name.toLowerCase(), zone),
      questions,
      close: () =>
        new Promise((resolve) => {
          udp.close();
          tcp.close(() => resolve());
        }),
    };
  }
}

/**
 * A response too big for a plain UDP datagram (512 octets, RFC 1035 4.2.1) goes as its
 * header and question with TC set and no answers: the resolver asks again over TCP.
 */
function overUdp(query: Uint8Array, response: Uint8Array): Uint8Array {
  if (response.length <= 512) return response;
  const end = parseQuestion(query)?.end ?? 12;
  const truncated = response.slice(0, end);
  truncated[2] = truncated[2]! | 0x02;
  truncated.set(u16(0), 6);
  return truncated;
}

/** DNS over TCP: two-byte length prefix (RFC 1035 4.2.2). */
function serveTcp(socket: net.Socket, answer: (query: Uint8Array) => Uint8Array | null): void {
  let buffer = new Uint8Array(0);
  socket.on("data", (chunk: Uint8Array) => {
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
    while (buffer.length >= 2) {
      const size = (buffer[0]! << 8) | buffer[1]!;
      if (buffer.length < 2 + size) break;
      const response = answer(buffer.subarray(2, 2 + size));
      buffer = buffer.slice(2 + size);
      if (!response) continue;
      socket.write(new Uint8Array([response.length >> 8, response.length & 255]));
      socket.write(response);
    }
  });
  socket.on("error", () => {});
}

interface Question {
  name: string;
  type: number;
  /** Offset just past the question section. */
  end: number;
}

function parseQuestion(query: Uint8Array): Question | null {
  if (query.length < 12) return null;
  const labels: string[] = [];
  let at = 12;
  while (at < query.length) {
    const size = query[at]!;
    if (size === 0) break;
    labels.push(new TextDecoder().decode(query.subarray(at + 1, at + 1 + size)));
    at += 1 + size;
  }
  if (at + 5 > query.length) return null;
  const type = (query[at + 1]! << 8) | query[at + 2]!;
  return { name: labels.join("."), type, end: at + 5 };
}

function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.replace(/\.$/, "").split(".")) {
    if (label === "") continue;
    const bytes = new TextEncoder().encode(label);
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

function u16(value: number): number[] {
  return [(value >> 8) & 255, value & 255];
}

function record(type: number, data: number[]): number[] {
  // Name: pointer to the question name at offset 12; class IN; TTL 60.
  return [0xc0, 12, ...u16(type), ...u16(1), 0, 0, 0, 60, ...u16(data.length), ...data];
}

function buildResponse(query: Uint8Array, question: Question, zone: FakeZone | undefined) {
  const answers: number[][] = [];
  let rcode = 0;
  if (!zone) rcode = RCODES.nxdomain;
  else if (zone.rcode) rcode = RCODES[zone.rcode];
  else if (zone.rcodeFor?.[TYPES[question.type] as "MX" | "A" | "AAAA"]) {
    rcode = RCODES[zone.rcodeFor[TYPES[question.type] as "MX" | "A" | "AAAA"]!];
  } else if (question.type === 15) {
    for (const mx of zone.mx ?? []) {
      answers.push(record(15, [...u16(mx.preference), ...encodeName(mx.exchange)]));
    }
  } else if (question.type === 1) {
    for (const ip of zone.a ?? []) answers.push(record(1, ip.split(".").map(Number)));
  } else if (question.type === 28) {
    for (const ip of zone.aaaa ?? []) answers.push(record(28, ipv6Bytes(ip)));
  }
  const header = [
    query[0]!,
    query[1]!, // id
    0x84 | (query[2]! & 0x01),
    0x80 | rcode, // QR AA RD, RA rcode
    ...u16(1),
    ...u16(answers.length),
    ...u16(0),
    ...u16(0),
  ];
  return new Uint8Array([...header, ...query.subarray(12, question.end), ...answers.flat()]);
}

function ipv6Bytes(ip: string): number[] {
  const [head = "", tail = ""] = ip.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = ip.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return groups.flatMap((group) => u16(parseInt(group, 16)));
}
