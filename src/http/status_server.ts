/**
 * The status page (`--http-listen`): `/` a short text summary, `/metrics`
 * Prometheus text, `/healthz` "ok". Read-only and without secrets; bind it
 * to loopback or a management network.
 *
 * Served on our own listener, not `Deno.serve`: that one has no connection
 * limit nor idle timeout, and a failed accept (out of file descriptors)
 * rejects its accept loop, which ended the whole process. Here a few
 * connections at a time are served, the rest are told 503, a silent one is
 * cut off, one that trickles its request head (slowloris) is told 408 when
 * the head's deadline passes, and each answer ends its connection
 * (`Connection: close`).
 */
import type { ListenAddress } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Connection, type ConnectionSlots, startListener } from "../net/mod.ts";
import type { Metrics } from "./metrics.ts";
import { parseRequestHead } from "./request_head.ts";

/** A running status server. */
export interface StatusServer {
  readonly port: number;
  readonly hostname: string;
  close(): Promise<void>;
}

/** A monitor and an operator's curl need a handful; more only hold descriptors. */
const MAX_CONNECTIONS = 16;
const IDLE_TIMEOUT_MS = 10_000;
/**
 * The whole request head must arrive within this: a client that sends a
 * byte now and then is never idle, and would hold its connection for ever.
 */
const HEAD_TIMEOUT_MS = 10_000;
/** Longest request line or header line, CRLF included. */
const MAX_LINE_BYTES = 8192;
const MAX_HEADER_LINES = 100;

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  414: "URI Too Long",
  503: "Service Unavailable",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
};

/** The methods of RFC 9110 9.3 and PATCH (RFC 5789); method names are case-sensitive. */
const KNOWN_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

interface Answer {
  status: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

/** Serves the status page on `address`. */
export async function startStatusServer(
  address: ListenAddress,
  options: {
    metrics: Metrics;
    hostname: string;
    version: string;
    log: Logger;
    /** The process-wide connection limit the mail listeners share too. */
    slots?: ConnectionSlots;
    /** The deadline for a request head (tests shorten it); 10 s by default. */
    headTimeoutMs?: number;
  },
): Promise<StatusServer> {
  const headTimeoutMs = options.headTimeoutMs ?? HEAD_TIMEOUT_MS;
  const listener = await startListener(address, {
    name: "http",
    maxConnections: MAX_CONNECTIONS,
    slots: options.slots,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    // Made once, at start: a Date in it would be that moment's, so it has none (a 5xx may
    // go without, RFC 9110 6.6.1).
    busyLine: formatResponse({ status: 503, body: "too many connections\n" }, false, {
      isDated: false,
    }),
    log: options.log,
    onConnection: (connection) => serveOne(connection, { ...options, headTimeoutMs }),
  });
  return { port: listener.port, hostname: listener.hostname, close: () => listener.close() };
}

/** Reads one request and answers it; the listener closes the connection after. */
async function serveOne(
  connection: Connection,
  options: {
    metrics: Metrics;
    hostname: string;
    version: string;
    log: Logger;
    headTimeoutMs: number;
  },
): Promise<void> {
  let isLate = false;
  // Past the deadline the pending read reports "timeout" (as when the server stops).
  connection.setDeadline(options.headTimeoutMs, () => {
    isLate = true;
    connection.shutdown();
  });
  let lines: RawHead | number | null;
  try {
    lines = await readHead(connection);
  } finally {
    connection.clearDeadline();
  }
  if (lines === null) {
    return isLate ? send(connection, { status: 408, body: "" }, false) : undefined;
  }
  if (typeof lines === "number") return send(connection, { status: lines, body: "" }, false);
  const head = parseRequestHead(lines.requestLine, lines.fieldLines);
  if (head.kind === "refused") return send(connection, { status: head.status, body: "" }, false);
  const isHead = head.method === "HEAD";
  try {
    send(connection, await answer(head.method, head.path, options), isHead);
  } catch (error) {
    options.log.error("http.error", {
      error: error instanceof Error ? error.message : String(error),
    });
    send(connection, { status: 500, body: "internal error\n" }, isHead);
  }
}

/** A request line and its field lines, as read. */
interface RawHead {
  requestLine: string;
  fieldLines: string[];
}

/**
 * The request line and field lines up to the empty line; a status for a
 * head too large (414, 431); null when the peer went away, fell silent or
 * the deadline passed.
 */
async function readHead(connection: Connection): Promise<RawHead | number | null> {
  let first = await connection.readLine(MAX_LINE_BYTES);
  // Empty lines before the request line are skipped, a few of them (RFC 9112 2.2).
  for (let skipped = 0; first.kind === "line" && first.text === "" && skipped < 8; skipped++) {
    first = await connection.readLine(MAX_LINE_BYTES);
  }
  if (first.kind === "too-long") return 414;
  if (first.kind !== "line") return null;
  const fieldLines: string[] = [];
  while (true) {
    const read = await connection.readLine(MAX_LINE_BYTES);
    if (read.kind === "too-long") return 431;
    if (read.kind !== "line") return null;
    if (read.text === "") return { requestLine: first.text, fieldLines };
    if (fieldLines.length >= MAX_HEADER_LINES) return 431;
    fieldLines.push(read.text);
  }
}

function send(connection: Connection, response: Answer, isHead: boolean): void {
  connection.write(formatResponse(response, isHead));
}

/**
 * Status line, fields and body. A HEAD answer has the fields a GET would
 * have, Content-Length included, and no body (RFC 9110 9.3.2, 8.6). The
 * Date is now, unless `isDated` is false.
 */
function formatResponse(
  response: Answer,
  isHead: boolean,
  options: { isDated?: boolean } = {},
): string {
  const body = new TextEncoder().encode(response.body);
  const fields: Record<string, string> = {
    ...(options.isDated === false ? {} : { "Date": new Date().toUTCString() }),
    "Content-Type": response.type ?? "text/plain; charset=utf-8",
    "Content-Length": String(body.length),
    "Connection": "close",
    ...response.headers,
  };
  let text = `HTTP/1.1 ${response.status} ${
    REASONS[response.status] ?? "Internal Server Error"
  }\r\n`;
  for (const [name, value] of Object.entries(fields)) text += `${name}: ${value}\r\n`;
  return text + "\r\n" + (isHead ? "" : response.body);
}

async function answer(
  method: string,
  path: string,
  options: { metrics: Metrics; hostname: string; version: string },
): Promise<Answer> {
  const { metrics } = options;
  if (method !== "GET" && method !== "HEAD") {
    // 405 is for a method the server knows but the page does not take; 501 for any other
    // (RFC 9110 9.1, 15.5.6, 15.6.2).
    return KNOWN_METHODS.has(method)
      ? { status: 405, body: "method not allowed\n", headers: { "Allow": "GET, HEAD" } }
      : { status: 501, body: "method not implemented\n" };
  }
  switch (path) {
    case "/healthz":
      return { status: 200, body: "ok\n" };
    case "/metrics":
      return {
        status: 200,
        body: await metrics.render(),
        type: "text/plain; version=0.0.4; charset=utf-8",
      };
    case "/": {
      const uptimeS = Math.round((performance.now() - metrics.startedMs) / 1000);
      return {
        status: 200,
        body: `Pillarbox ${options.version} on ${options.hostname}\n` +
          `uptime ${uptimeS}s\n` +
          `accepted ${metrics.count("msg.queued")} messages, delivered ${
            metrics.count("msg.delivered")
          }` +
          ` recipients, deferred ${metrics.count("msg.deferred")}, failed ${
            metrics.count("msg.failed")
          }\n` +
          "metrics: /metrics\n",
      };
    }
    default:
      return { status: 404, body: "not found\n" };
  }
}
