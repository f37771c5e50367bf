/**
 * The client's side of the wire: read one whole reply with a deadline, or
 * send a command and read its reply. Every peer failure is returned as a
 * `SmtpClientError`, never thrown from deep inside the socket code.
 */
import type { Connection } from "../net/mod.ts";
import { SmtpClientError } from "./errors.ts";
import { ReplyAssembler, type ServerReply } from "./reply_parser.ts";

const MAX_REPLY_LINE_BYTES = 4096;

/**
 * Reads one reply; throws `SmtpClientError` (timeout, dropped, malformed).
 * `timeoutMs` is a deadline for the whole reply (RFC 5321 4.5.3.2 times each
 * command's reply), not only for silence: a server that drips its reply a
 * byte at a time would otherwise hold the delivery for as long as it likes.
 */
export async function readReply(
  connection: Connection,
  options: { timeoutMs: number; stage: string; isMixedCodeAllowed?: boolean },
): Promise<ServerReply> {
  connection.setIdleTimeout(options.timeoutMs);
  // Past the deadline every read reports "timeout"; the connection is not used again.
  connection.setDeadline(options.timeoutMs, () => connection.shutdown());
  try {
    return await readReplyLines(connection, options);
  } finally {
    connection.clearDeadline();
  }
}

async function readReplyLines(
  connection: Connection,
  options: { timeoutMs: number; stage: string; isMixedCodeAllowed?: boolean },
): Promise<ServerReply> {
  const assembler = new ReplyAssembler({ isMixedCodeAllowed: options.isMixedCodeAllowed });
  while (true) {
    const read = await connection.readLine(MAX_REPLY_LINE_BYTES);
    if (read.kind === "timeout") {
      throw new SmtpClientError("timeout", `${options.stage}: no reply within the time limit`, {
        status: "4.4.2",
        stage: options.stage,
      });
    }
    if (read.kind === "eof") {
      throw new SmtpClientError("dropped", `${options.stage}: the server closed the connection`, {
        status: "4.4.2",
        stage: options.stage,
      });
    }
    // A line past the limit still counts by its code (RFC 5321 4.2: the client acts on the
    // code, not the text; 4.5.3.1 asks for no length limits where possible). Refused whole, a
    // 250 to the final dot with a long text would have the message sent again.
    const text = read.kind === "too-long" ? overlongReplyLine(read.head) : read.text;
    if (text === null) {
      throw new SmtpClientError("malformed", `${options.stage}: reply line too long`, {
        status: "4.5.0",
        stage: options.stage,
      });
    }
    const result = assembler.push(text);
    if (result === null) continue;
    if ("malformed" in result) {
      throw new SmtpClientError("malformed", `${options.stage}: ${result.malformed}`, {
        status: "4.5.0",
        stage: options.stage,
      });
    }
    return result;
  }
}

/**
 * The start of an overlong reply line, marked as cut, when it opens with a
 * reply code and separator; null when it does not (it stays malformed).
 */
function overlongReplyLine(head: string): string | null {
  return /^[2-5][0-9][0-9](?![0-9])/.test(head) ? `${head}...` : null;
}

/** Sends `line` (CRLF added) and reads the reply. */
export function command(
  connection: Connection,
  line: string,
  options: { timeoutMs: number; stage: string },
): Promise<ServerReply> {
  if (/[\r\n]/.test(line)) {
    throw new SmtpClientError("refused", `${options.stage}: command holds a line break`, {
      status: "5.5.2",
      isPermanent: true,
    });
  }
  connection.write(line + "\r\n");
  return readReply(connection, options);
}

/** Throws unless the reply's code is in `[low, high]` (e.g. 200..299). */
export function expectCode(
  reply: ServerReply,
  options: { stage: string; low?: number; high?: number },
): ServerReply {
  const low = options.low ?? 200;
  const high = options.high ?? 299;
  if (reply.code < low || reply.code > high) throw SmtpClientError.fromReply(options.stage, reply);
  return reply;
}
