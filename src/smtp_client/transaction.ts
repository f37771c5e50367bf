/**
 * One mail transaction on an open client: MAIL, RCPT per recipient, DATA,
 * the message, the final dot. With PIPELINING, MAIL + RCPTs + DATA go out in
 * one write (RFC 2920). Each recipient gets its own result: one refused RCPT
 * does not fail the others. Failures that end the whole transaction are
 * thrown as `SmtpClientError`.
 */
import { fitMessageToPeer } from "../mail/mod.ts";
import { encodeDataBlocks, encodeDataBody } from "../smtp/mod.ts";
import { dsnMailParameters, dsnRcptParameters, type OutgoingDsn } from "./dsn_parameters.ts";
import type { SmtpClient } from "./client.ts";
import { SmtpClientError } from "./errors.ts";
import { isContradictory, type ServerReply } from "./reply_parser.ts";
import { expectCode, readReply } from "./wire.ts";

/** The wait for the reply to the final dot: a drop there may follow a message taken. */
export const FINAL_DOT_STAGE = "final dot";

/**
 * One block of message data (to the end of the line it reaches): below the
 * size at which `Connection.write` flushes by itself, so each block is sent
 * (and waited for) by `drain`.
 */
const DATA_BLOCK_BYTES = 16 * 1024;

/** What to send. `body` is the message exactly as queued. */
export interface OutgoingMessage {
  from: string;
  rcpts: readonly string[];
  body: Uint8Array;
  /** The message needs SMTPUTF8 (non-ASCII addresses or headers). */
  isSmtputf8?: boolean;
  /** The DSN requests to pass on to a server that offers DSN (RFC 3461 5.2.1). */
  dsn?: OutgoingDsn;
}

/** What happened to one recipient. */
export interface RecipientResult {
  isAccepted: boolean;
  /** The RCPT reply when refused, else the reply to the final dot. */
  reply: ServerReply;
  /** A refusal that retrying cannot help (see `isPermanentRefusal`). */
  isPermanent: boolean;
}

/**
 * Whether a refusal is permanent: a 5xx, except a 552 to RCPT. RFC 821 listed
 * 552 for "too many recipients", which is 452 (RFC 5321 4.5.3.1.10: clients
 * SHOULD treat it as temporary, so the rest go in a later transaction).
 */
export function isPermanentRefusal(reply: ServerReply, stage: "rcpt" | "data"): boolean {
  return reply.code >= 500 && !(stage === "rcpt" && reply.code === 552);
}

/** Runs one transaction; returns a result for every recipient. */
export async function sendMessage(
  client: SmtpClient,
  message: OutgoingMessage,
): Promise<Map<string, RecipientResult>> {
  const ext = client.extensions;
  // 8-bit and UTF-8 rules (RFC 6152, 6531, 6532, 2047): see mail/peer_form.ts.
  const form = fitMessageToPeer({
    message: message.body,
    addresses: [message.from, ...message.rcpts],
    isSmtputf8: message.isSmtputf8 ?? false,
  }, ext);
  if (form.kind === "refused") {
    throw new SmtpClientError("refused", form.reason, { status: form.status, isPermanent: true });
  }
  const body = form.message;
  // The wire form of each address (domains in A-labels for a peer without SMTPUTF8).
  const [from = message.from, ...rcptsOnWire] = form.addresses;
  if (ext.maxSizeBytes && body.length > ext.maxSizeBytes) {
    throw new SmtpClientError(
      "refused",
      `Message of ${body.length} bytes exceeds the server's SIZE limit of ${ext.maxSizeBytes}`,
      { status: "5.3.4", isPermanent: true },
    );
  }
  const params = [
    ext.maxSizeBytes !== null ? `SIZE=${body.length}` : "",
    form.isBody8bit ? "BODY=8BITMIME" : "",
    form.isSmtputf8 ? "SMTPUTF8" : "",
    // RFC 3461 5.2.1, 5.2.2 (a): passed on to a server that offers DSN, to no other.
    ext.hasDsn && message.dsn ? dsnMailParameters(message.dsn) : "",
  ].filter(Boolean).join(" ");
  const rcptParams = ext.hasDsn && message.dsn
    ? message.rcpts.map((rcpt) => dsnRcptParameters(message.dsn!, rcpt, form.isSmtputf8))
    : null;
  const lines = [
    `MAIL FROM:<${from}>${params ? " " + params : ""}`,
    ...rcptsOnWire.map((rcpt, i) => `RCPT TO:<${rcpt}>${rcptParams?.[i] ?? ""}`),
    "DATA",
  ];
  for (const line of lines) {
    if (/[\r\n]/.test(line)) {
      throw new SmtpClientError("refused", "An address holds a line break", {
        status: "5.1.3",
        isPermanent: true,
      });
    }
  }
  client.isDirty = true;
  const connection = client.connection;
  const t = client.timeouts;
  const stages = [
    { stage: "MAIL", timeoutMs: t.mailMs },
    ...message.rcpts.map((rcpt) => ({ stage: `RCPT <${rcpt}>`, timeoutMs: t.rcptMs })),
    { stage: "DATA", timeoutMs: t.dataInitMs },
  ];
  const replies: ServerReply[] = [];
  if (ext.hasPipelining) {
    for (const line of lines) connection.write(line + "\r\n");
    for (const stage of stages) {
      try {
        replies.push(await readReply(connection, stage));
      } catch (error) {
        // A server that said 421, or refused MAIL, and hung up: report its words, not the
        // hang-up (as one read a command at a time would; a refused MAIL ends the transaction).
        const isMailRefused = (replies[0]?.code ?? 0) >= 400;
        if (!isMailRefused && !replies.some((reply) => reply.code === 421)) {
          throw withRcptRefusals(error, message.rcpts, replies);
        }
        client.isUsable = false;
        break;
      }
      if (replies.at(-1)!.code === 421) break;
    }
  } else {
    for (let i = 0; i < lines.length; i++) {
      connection.write(lines[i] + "\r\n");
      let reply: ServerReply;
      try {
        reply = await readReply(connection, stages[i]!);
      } catch (error) {
        throw withRcptRefusals(error, message.rcpts, replies);
      }
      replies.push(reply);
      // A 421 closes the session (RFC 5321 3.8): no more commands, and it is the reason.
      if (reply.code === 421) break;
      // Without pipelining, stop early: no RCPT after a refused MAIL, no DATA without recipients.
      if (i === 0 && reply.code !== 250) break;
      const isLastRcpt = i === lines.length - 2;
      if (isLastRcpt && !replies.slice(1).some((r) => r.code >= 200 && r.code < 300)) break;
    }
  }
  const closingAt = replies.findIndex((reply) => reply.code === 421);
  if (closingAt >= 0) {
    client.isUsable = false;
    throw SmtpClientError.fromReply(stages[closingAt]!.stage, replies[closingAt]!, {
      refusedRcpts: rcptRefusals(message.rcpts, replies),
    });
  }
  const mailReply = replies[0]!;
  if (mailReply.code >= 300 && replies.at(-1)?.code === 354 && replies.length === stages.length) {
    // A broken pipelining server took DATA after refusing MAIL: end its data mode with an
    // empty message, or the RSET that follows would be read as message text.
    connection.write(encodeDataBody(new Uint8Array()));
    await readReply(connection, { stage: FINAL_DOT_STAGE, timeoutMs: t.finalDotMs });
  }
  expectCode(mailReply, { stage: "MAIL" });
  const results = new Map<string, RecipientResult>();
  const accepted: string[] = [];
  message.rcpts.forEach((rcpt, i) => {
    const reply = replies[i + 1]!;
    if (reply.code >= 200 && reply.code < 300) {
      accepted.push(rcpt);
      return;
    }
    results.set(rcpt, { isAccepted: false, reply, isPermanent: isPermanentRefusal(reply, "rcpt") });
  });
  const dataReply = replies[message.rcpts.length + 1];
  if (accepted.length === 0) {
    // RFC 2920 3.1: a 354 despite no recipients gets an empty message, then the data is void.
    if (dataReply?.code === 354) {
      connection.write(encodeDataBody(new Uint8Array()));
      await readReply(connection, { stage: FINAL_DOT_STAGE, timeoutMs: t.finalDotMs });
    }
    return results;
  }
  if (dataReply && dataReply.code !== 354) {
    // DATA refused: that is the outcome of the recipients RCPT accepted; the ones it
    // refused keep their own reply (a 450 stays deferred, not bounced with the DATA's 554).
    const isPermanent = isPermanentRefusal(dataReply, "data");
    for (const rcpt of accepted) {
      results.set(rcpt, { isAccepted: false, reply: dataReply, isPermanent });
    }
    return results;
  }
  expectCode(dataReply!, { stage: "DATA", low: 354, high: 354 });
  await sendBlocks(client, body);
  // Lines whose codes differ break RFC 5321 4.2.1. Codes of one class (250 then 251) agree
  // on the outcome. Classes that differ ("250-queued" then "451 try later") say two things:
  // read as "try again" (malformed), a receiver that took the message would get a copy at
  // every retry; read by the last line (Postfix), a 550 then 250 would be a refused message
  // lost without a word. A bounce quoting every line is neither: at most one copy, and the
  // sender is told exactly what the server said.
  const final = await readReply(connection, {
    stage: FINAL_DOT_STAGE,
    timeoutMs: t.finalDotMs,
    isMixedCodeAllowed: true,
  });
  const isContradicted = isContradictory(final);
  if (final.code === 421 || isContradicted) client.isUsable = false;
  // The reply to the final dot ends the transaction (RFC 5321 4.1.1.4): no RSET needed.
  client.isDirty = false;
  const isDelivered = !isContradicted && final.code >= 200 && final.code < 300;
  const isPermanent = isContradicted || isPermanentRefusal(final, "data");
  for (const rcpt of accepted) {
    results.set(rcpt, { isAccepted: isDelivered, reply: final, isPermanent });
  }
  return results;
}

/**
 * The recipients refused so far (`replies` starts with MAIL's), each with its
 * reply. When the session ends early (Postfix's 421 after
 * smtpd_hard_error_limit refusals, Exim's `drop` after its 550), these are
 * still those recipients' answers (RFC 5321 4.1.1.3); the others wait. Were
 * they thrown away, every retry would meet the same refusals and the same end,
 * and the recipients after them would never get the message.
 */
function rcptRefusals(
  rcpts: readonly string[],
  replies: readonly ServerReply[],
): Map<string, ServerReply> {
  const refused = new Map<string, ServerReply>();
  rcpts.forEach((rcpt, i) => {
    const reply = replies[i + 1];
    if (reply && reply.code >= 400 && reply.code !== 421) refused.set(rcpt, reply);
  });
  return refused;
}

/** A failure that ended the transaction, with the RCPT refusals that came before it. */
function withRcptRefusals(
  error: unknown,
  rcpts: readonly string[],
  replies: readonly ServerReply[],
): unknown {
  if (!(error instanceof SmtpClientError)) return error;
  const refused = rcptRefusals(rcpts, replies);
  return refused.size === 0 ? error : error.withRefusedRcpts(refused);
}

/**
 * Sends the message (dot-stuffed and terminated) in blocks of whole lines,
 * each of which must reach the kernel within the data-block limit (RFC 5321
 * 4.5.3.2.5: a limit per TCP send, not for
 * the whole message, so a big message to a slow but steady server goes out).
 * The connection's idle timeout is the same limit meanwhile, so the shorter
 * 354 wait that came before cannot cut the sending short.
 */
async function sendBlocks(client: SmtpClient, body: Uint8Array): Promise<void> {
  client.connection.setIdleTimeout(client.timeouts.dataBlockMs);
  // Stuffed a block at a time: a big message is not copied whole on its way out.
  for (const block of encodeDataBlocks(body, DATA_BLOCK_BYTES)) {
    client.connection.write(block);
    await drainWithin(client, client.timeouts.dataBlockMs);
  }
}

/** Waits until the kernel took the bytes written so far, or throws after `timeoutMs`. */
async function drainWithin(client: SmtpClient, timeoutMs: number): Promise<void> {
  if (!await client.connection.drainWithin(timeoutMs)) {
    client.isUsable = false;
    throw new SmtpClientError("timeout", "DATA: the server stopped reading the message", {
      status: "4.4.2",
    });
  }
}
