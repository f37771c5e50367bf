/**
 * DATA and BDAT: stream the message into a spool buffer while reading it,
 * refuse what must be refused once the whole message is in (the session
 * stays in sync), and commit through `spool.accept` before saying 250.
 */
import {
  countReceived,
  formatReceived,
  headerSection,
  holdsHeaderEnd,
  startsWithBodyText,
} from "../mail/mod.ts";
import { Refusal, type Reply, reply } from "../smtp/mod.ts";
import { ChunkReader, DataDecoder, type DataViolations, LineEndingChecker } from "../smtp/mod.ts";
import { isStorageFull, type MessageBuffer } from "../spool/mod.ts";
import type { SmtpSession } from "./session.ts";
import { missingSubmissionFields } from "./submission_fields.ts";
import type { Transaction } from "./transaction.ts";

/** RFC 5321 6.3 suggests a limit; 100 hops is the common choice. */
const MAX_RECEIVED_HEADERS = 100;
const HEADER_SCAN_BYTES = 256 * 1024;

/** DATA: 354, read to CRLF.CRLF, then commit or refuse. */
export async function handleData(session: SmtpSession, arg: string): Promise<Reply> {
  if (arg !== "") throw Refusal.syntax("DATA takes no argument");
  const transaction = session.transaction as Transaction;
  // RFC 3030 2: DATA and BDAT cannot be mixed in one transaction.
  if (transaction.chunks) throw Refusal.badSequence("DATA after BDAT: send BDAT or RSET");
  session.sendIntermediate(reply(354, undefined, "End data with <CR><LF>.<CR><LF>"));
  const buffer = session.options.spool.newBuffer();
  const decoder = new DataDecoder({
    maxMessageBytes: session.options.maxMessageBytes,
    onBytes: (bytes) => buffer.append(bytes),
  });
  const outcome = await session.connection.readInto({
    push: (chunk) => decoder.push(chunk),
    backlog: () => buffer.backlog(),
  });
  session.transaction = null;
  if (outcome !== "done") {
    await buffer.discard();
    session.log.info("smtp.data_aborted", { reason: outcome });
    if (outcome === "timeout") return session.timeoutRefusal().toReply();
    session.closeAfterReply();
    return reply(421, "4.4.2", "Connection lost during DATA", { closeAfter: true });
  }
  return await commitOrRefuse(session, transaction, buffer, decoder);
}

/** Parses "BDAT <size> [LAST]". */
function parseBdatArgument(arg: string): { sizeBytes: number; isLast: boolean } | null {
  const match = /^(\d{1,15})( +LAST)?$/i.exec(arg.trim());
  if (!match) return null;
  return { sizeBytes: Number(match[1]), isLast: match[2] !== undefined };
}

/** BDAT: reads the chunk whatever happens (to stay in sync), then decides. */
export async function handleBdat(session: SmtpSession, arg: string): Promise<Reply> {
  const parsed = parseBdatArgument(arg);
  if (!parsed) {
    // Without a size we cannot know where the chunk ends: give up on the session.
    session.closeAfterReply();
    return reply(501, "5.5.4", "Syntax error in BDAT size, closing connection", {
      closeAfter: true,
    });
  }
  const transaction = session.transaction;
  if (transaction) transaction.isChunking = true;
  const state = transaction && transaction.rcptCount > 0
    ? transaction.chunks ??= newChunkState(session)
    : null;
  const reader = new ChunkReader({
    sizeBytes: parsed.sizeBytes,
    onBytes: (bytes) => {
      if (!state) return;
      state.checker.check(bytes);
      if (state.buffer.size + bytes.length > session.options.maxMessageBytes) {
        state.checker.violations.tooBig = true;
      } else if (!state.checker.violations.tooBig) state.buffer.append(bytes);
    },
  });
  const outcome = parsed.sizeBytes === 0 ? "done" : await session.connection.readInto({
    push: (chunk) => reader.push(chunk),
    backlog: () => state?.buffer.backlog() ?? null,
  });
  if (outcome !== "done") {
    if (state) await state.buffer.discard();
    session.transaction = null;
    session.closeAfterReply();
    if (outcome === "timeout") return session.timeoutRefusal().toReply();
    return reply(421, "4.4.2", "Connection lost during BDAT", { closeAfter: true });
  }
  if (!state || !transaction) {
    throw transaction ? Refusal.noRecipients() : Refusal.badSequence("Send MAIL and RCPT first");
  }
  if (!parsed.isLast) return reply(250, "2.0.0", `${parsed.sizeBytes} octets received`);
  state.checker.finish();
  session.transaction = null;
  return await commitOrRefuse(session, transaction, state.buffer, state.checker);
}

/**
 * A BDAT line refused before its handler ran (bare LF, over 512 octets, NUL):
 * its chunk follows all the same, so its bytes are read and dropped rather
 * than run as commands; where its size cannot be read, the session closes
 * after the refusal. The transaction ends either way: a message missing a
 * chunk must not be accepted by a later BDAT LAST. Returns the reply to send
 * instead of the refusal when the connection was lost meanwhile.
 */
export async function skipRefusedChunk(session: SmtpSession, arg: string): Promise<Reply | null> {
  await session.transaction?.discardChunks();
  session.transaction = null;
  const parsed = parseBdatArgument(arg);
  if (!parsed) {
    session.closeAfterReply();
    return null;
  }
  const reader = new ChunkReader({ sizeBytes: parsed.sizeBytes, onBytes: () => {} });
  const outcome = parsed.sizeBytes === 0
    ? "done"
    : await session.connection.readInto({ push: (chunk) => reader.push(chunk) });
  if (outcome === "done") return null;
  session.closeAfterReply();
  if (outcome === "timeout") return session.timeoutRefusal().toReply();
  return reply(421, "4.4.2", "Connection lost during BDAT", { closeAfter: true });
}

function newChunkState(session: SmtpSession) {
  return { buffer: session.options.spool.newBuffer(), checker: new LineEndingChecker() };
}

async function commitOrRefuse(
  session: SmtpSession,
  transaction: Transaction,
  buffer: MessageBuffer,
  scan: { violations: DataViolations; has8bitBytes: boolean },
): Promise<Reply> {
  const violations = scan.violations;
  const refusal = violations.tooBig
    ? Refusal.messageTooBig()
    : violations.bareCr || violations.bareLf
    ? Refusal.bareLineEndingsInData()
    : violations.nul
    ? Refusal.nulInData()
    : violations.longLine
    ? Refusal.textLineTooLong()
    : null;
  if (refusal) {
    await buffer.discard();
    session.log.info("smtp.data_refused", { code: refusal.code, reason: refusal.message });
    throw refusal;
  }
  let headers: string;
  let separator = "";
  let isHeaderSeen = true;
  try {
    const head = await buffer.head(HEADER_SCAN_BYTES);
    headers = headerSection(head);
    // Our trace fields go first: a message with no header section needs the blank line.
    if (startsWithBodyText(head)) separator = "\r\n";
    // A header section longer than the scan may hold a Date or Message-ID past it.
    isHeaderSeen = head.length === buffer.size || holdsHeaderEnd(head);
  } catch (error) {
    await buffer.discard(); // no spill file or handle may outlive a failed read
    session.log.error("spool.read_failed", {
      error: error instanceof Error ? error.message : String(error),
    });
    // A spill that met a full disk: worth trying later, as when the queue file meets it.
    throw isStorageFull(error) ? Refusal.storageFull(session.cid) : Refusal.localError(session.cid);
  }
  const received = countReceived(headers);
  if (received > MAX_RECEIVED_HEADERS) {
    await buffer.discard();
    session.log.info("smtp.data_refused", { code: 554, reason: "mail-loop", received });
    throw Refusal.mailLoop();
  }
  if (session.connection.isClosed) {
    // Reset before its 250 could reach the client, which will send the message again:
    // keeping this copy as well would deliver it twice.
    await buffer.discard();
    session.log.info("smtp.data_refused", { reason: "connection-reset" });
    throw Refusal.connectionLost();
  }
  const { options, connection } = session;
  let qid: string;
  try {
    qid = await options.spool.accept({
      envelope: {
        from: transaction.from,
        rcpts: transaction.targets,
        source: options.kind === "smtp" ? "smtp" : "submission",
        clientIp: connection.remoteAddress,
        helo: session.helo ?? "",
        authUser: session.authUser ?? undefined,
        // 8-bit content without BODY=8BITMIME is accepted and marked, so the
        // way out converts it for a 7-bit peer (RFC 6152 3; see eight_bit.ts).
        is8bit: transaction.is8bit || scan.has8bitBytes || undefined,
        isSmtputf8: transaction.isSmtputf8 || undefined,
        // RFC 3461: absent unless given (JSON leaves undefined out).
        ret: transaction.ret,
        envid: transaction.envid,
        rcptDsn: transaction.rcptDsn ?? undefined,
        expanded: transaction.expanded ?? undefined,
      },
      prefix: (qid) =>
        formatReceived({
          helo: session.helo ?? "",
          clientIp: connection.remoteAddress,
          hostname: options.hostname,
          qid,
          protocol: session.isEsmtp ? "ESMTP" : "SMTP",
          tls: connection.tls,
          authUser: session.authUser ?? undefined,
          isSmtputf8: transaction.isSmtputf8,
          forRecipient: transaction.rcptCount === 1
            ? transaction.firstRcpt ?? undefined
            : undefined,
        }) +
        // RFC 6409 8.2, 8.3: the submission server's fixes, for authenticated senders only,
        // and only where the whole header section was seen: a second Date or Message-ID
        // would break the message (RFC 5322 3.6), a missing one is merely not repaired.
        (session.authUser === null || (separator === "" && !isHeaderSeen)
          ? ""
          : missingSubmissionFields(separator === "" ? headers : "", {
            qid,
            hostname: options.hostname,
            nowMs: Date.now(),
          })) +
        separator,
      message: buffer,
      onAccepted: (qid) =>
        session.log.info("msg.queued", {
          qid,
          from: transaction.from,
          rcpts: transaction.targets.length,
          bytes: buffer.size,
        }),
    });
  } catch (error) {
    session.log.error("spool.accept_failed", {
      error: error instanceof Error ? error.message : String(error),
    });
    throw isStorageFull(error) ? Refusal.storageFull(session.cid) : Refusal.localError(session.cid);
  }
  session.renewRcptAllowance();
  return reply(250, "2.0.0", `Ok: queued as ${qid}`);
}
