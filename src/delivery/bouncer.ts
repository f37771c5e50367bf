/**
 * Tells senders what became of their mail: builds failure and delay DSNs
 * from a message's state and submits them through `spool.accept` from `<>`
 * (source "bounce"), and files undeliverable bounces in the failed folder.
 */
import type { Logger } from "../log/mod.ts";
import { buildDsn, type DsnRecipient, startsWithBodyText } from "../mail/mod.ts";
import { envelopeIdField, originalRecipientField } from "../smtp/mod.ts";
import {
  HELD_PREFIX,
  moveToFailed,
  originalRecipientOf,
  type QueuedMessage,
  type Spool,
} from "../spool/mod.ts";
import type { QueueState } from "./queue_state.ts";
import { returnedContent } from "./returned_content.ts";
import type { SuccessDue } from "./success_notices.ts";

/** The notices a message may give rise to, each queued under its own held name. */
export type NoticeKind = "failed" | "delayed" | "success";

/** What the bouncer needs. */
export interface BouncerOptions {
  spool: Spool;
  spoolDir: string;
  hostname: string;
  log: Logger;
  /**
   * Final recipients for a notice to the sender: a sender address that is an
   * alias (or catch-all) delivers to what it expands to, as mail to it over
   * SMTP or sendmail would. The address alone when not given.
   */
  resolveRecipients?: (address: string) => Promise<string[]>;
}

/**
 * The most of the original's header section a notice returns (a header
 * section may be as big as the message may be; the notice tells, it does
 * not return the mail).
 */
export const MAX_NOTICE_HEADER_BYTES = 128 * 1024;

/**
 * The header section of a queued message (without the blank line) for a
 * notice's text/rfc822-headers part (RFC 6522): up to the blank line, or up
 * to the first line that is neither a header field nor its continuation (a
 * message that never had the blank line, whose body must not come back as
 * "headers"), cut at a field boundary once it passes
 * MAX_NOTICE_HEADER_BYTES.
 */
export function originalHeaders(message: QueuedMessage): Uint8Array {
  const body = message.bytes.subarray(message.messageOffset);
  /** Where the last whole field that fits ends. */
  let kept = 0;
  let lineStart = 0;
  while (lineStart < body.length) {
    const lf = body.indexOf(10, lineStart);
    const lineEnd = lf < 0 ? body.length : lf + 1;
    const first = body[lineStart];
    const isContinuation = lineStart > 0 && (first === 32 || first === 9);
    if (!isContinuation) {
      // A field starts here (or the section ends): every field before it is whole.
      if (lineStart > MAX_NOTICE_HEADER_BYTES) return body.subarray(0, kept);
      kept = lineStart;
      if (startsWithBodyText(body.subarray(lineStart, lineEnd))) return body.subarray(0, kept);
      if (first === 10 || (first === 13 && body[lineStart + 1] === 10)) {
        return body.subarray(0, kept);
      }
    }
    lineStart = lineEnd;
  }
  return body.subarray(0, lineStart > MAX_NOTICE_HEADER_BYTES ? kept : lineStart);
}

/** A notice queued held: it goes out once the runner has recorded it (`Spool.release`). */
export interface HeldNotice {
  qid: string;
  heldName: string;
}

/** Which notice a held name is for: `.held-<original qid>-<failed|delayed|success>`. */
export function heldNoticeName(originalQid: string, kind: NoticeKind): string {
  return `${HELD_PREFIX}${originalQid}-${kind}`;
}

/** The original's queue id and the kind of notice, from a held name; null for other names. */
export function parseHeldNoticeName(
  name: string,
): { originalQid: string; kind: NoticeKind } | null {
  const match = /^\.held-([0-9a-z]+)-(failed|delayed|success)$/.exec(name);
  if (match === null) return null;
  return { originalQid: match[1] as string, kind: match[2] as NoticeKind };
}

/**
 * Sends DSNs and keeps undeliverable bounces. A DSN is queued held, and the
 * runner releases it once the original's state says it was sent: a crash in
 * between leaves either no notice recorded (the held one is dropped and the
 * next pass sends it) or one recorded (the held one goes), never two.
 */
export class Bouncer {
  readonly #options: BouncerOptions;

  constructor(options: BouncerOptions) {
    this.#options = options;
  }

  /** One DSN naming `rcpts` as failed; resolves once it is queued held. */
  async sendFailure(
    message: QueuedMessage,
    state: QueueState,
    rcpts: string[],
  ): Promise<HeldNotice> {
    const recipients = rcpts.map((rcpt): DsnRecipient => {
      const entry = state.rcpts[rcpt];
      return {
        address: rcpt,
        ...originalRecipient(message, rcpt),
        action: "failed",
        status: entry?.lastStatus ?? "5.0.0",
        remoteMta: entry?.remoteMta,
        diagnostic: entry?.lastReason,
        lastAttemptMs: entry?.lastAttemptMs,
      };
    });
    return await this.#submit(message, recipients, "failed");
  }

  /** The one "still trying" notice for `rcpts`, queued held. */
  async sendDelay(
    message: QueuedMessage,
    state: QueueState,
    options: { rcpts: string[]; willRetryUntilMs: number },
  ): Promise<HeldNotice> {
    const recipients = options.rcpts.map((rcpt): DsnRecipient => {
      const entry = state.rcpts[rcpt];
      const status = entry?.lastStatus?.startsWith("4.") ? entry.lastStatus : "4.0.0";
      return {
        address: rcpt,
        ...originalRecipient(message, rcpt),
        action: "delayed",
        status,
        remoteMta: entry?.remoteMta,
        diagnostic: entry?.lastReason,
        lastAttemptMs: entry?.lastAttemptMs,
        willRetryUntilMs: options.willRetryUntilMs,
      };
    });
    return await this.#submit(message, recipients, "delayed");
  }

  /**
   * The success notice for `due`: "delivered" into a mailbox here, "relayed"
   * to a next hop (which answered, and does not report delivery itself), and
   * the aliases "expanded"; queued held.
   */
  async sendSuccess(
    message: QueuedMessage,
    state: QueueState,
    due: SuccessDue,
  ): Promise<HeldNotice> {
    const recipients = due.rcpts.map((rcpt): DsnRecipient => {
      const entry = state.rcpts[rcpt];
      return {
        address: rcpt,
        ...originalRecipient(message, rcpt),
        action: entry?.remoteMta ? "relayed" : "delivered",
        status: "2.0.0",
        remoteMta: entry?.remoteMta,
        diagnostic: entry?.deliveredReply,
        lastAttemptMs: entry?.lastAttemptMs,
      };
    });
    for (const alias of due.expanded) {
      recipients.push({
        address: alias.rcpt,
        ...(alias.orcpt ? { originalRecipient: originalRecipientField(alias.orcpt) } : {}),
        action: "expanded",
        status: "2.0.0",
      });
    }
    return await this.#submit(message, recipients, "success");
  }

  async #submit(
    message: QueuedMessage,
    recipients: DsnRecipient[],
    kind: NoticeKind,
  ): Promise<HeldNotice> {
    const { envelope } = message;
    // RFC 3461 4.3, 6.2: the whole message only for RET=FULL, and only in a failure notice.
    const returned = kind === "failed" && envelope.ret === "FULL" ? returnedContent(message) : null;
    const bytes = buildDsn({
      reportingMta: this.#options.hostname,
      to: envelope.from,
      originalQid: envelope.qid,
      arrivalMs: envelope.arrivalMs,
      recipients,
      originalHeaders: originalHeaders(message),
      ...(returned === null ? {} : returned),
      ...(envelope.envid === undefined ? {} : { envelopeId: envelopeIdField(envelope.envid) }),
      nowMs: Date.now(),
      messageId: `${envelope.qid}.${kind}.${
        crypto.randomUUID().slice(0, 8)
      }@${this.#options.hostname}`,
    });
    const resolved = await this.#options.resolveRecipients?.(envelope.from);
    const heldName = heldNoticeName(envelope.qid, kind);
    const qid = await this.#options.spool.accept({
      heldName,
      envelope: {
        from: "",
        // An alias with no targets left is still tried (it fails and is kept in failed/).
        rcpts: resolved && resolved.length > 0 ? resolved : [envelope.from],
        source: "bounce",
        isBounce: true,
        isSmtputf8: /[^\x00-\x7f]/.test(envelope.from) || undefined,
      },
      message: bytes,
    });
    const event = {
      failed: "msg.bounced",
      delayed: "msg.delay_notice",
      success: "msg.success_notice",
    };
    this.#options.log.info(event[kind], {
      qid: envelope.qid,
      dsn: qid,
      to: envelope.from,
      rcpts: recipients.length,
    });
    return { qid, heldName };
  }

  /**
   * Files a finished message from `<>` that failed: kept, never bounced.
   * False when the message was deleted (`queue delete`) meanwhile.
   */
  async keepFailed(message: QueuedMessage, state: QueueState): Promise<boolean> {
    const { envelope } = message;
    const lines = [
      `Message ${envelope.qid} has the null sender <> (it is a bounce or similar), so it`,
      "cannot be returned to anyone; it is kept here instead. Recipients:",
      ...Object.entries(state.rcpts).map(([rcpt, entry]) =>
        `  ${rcpt}: ${entry.status}` +
        (entry.status === "failed" ? ` ${entry.lastStatus ?? ""} ${entry.lastReason ?? ""}` : "")
      ),
      "",
    ];
    const path = await moveToFailed({
      spoolDir: this.#options.spoolDir,
      msgDir: this.#options.spool.msgDir,
      qid: envelope.qid,
      note: lines.join("\n"),
    });
    if (path === null) return false;
    this.#options.log.warn("msg.kept_failed", { qid: envelope.qid, path });
    return true;
  }
}

/** Original-Recipient for `rcpt` when its RCPT gave an ORCPT or an alias named it (RFC 3461 6.3 (d)). */
function originalRecipient(
  message: QueuedMessage,
  rcpt: string,
): { originalRecipient?: string } {
  const orcpt = originalRecipientOf(message.envelope, rcpt);
  return orcpt === undefined ? {} : { originalRecipient: originalRecipientField(orcpt) };
}
