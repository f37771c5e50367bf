/**
 * The envelope: who sent a message, to whom, and how it came in. Stored as
 * the first line of the queue file, as JSON: JSON escapes CR, LF and quotes,
 * so nothing from the network can add a line or a field.
 */

import type { DsnReturn, RecipientDsn } from "../smtp/mod.ts";

/** How a message entered the server. */
export type MessageSource = "smtp" | "submission" | "pickup" | "sendmail" | "bounce";

/** The envelope of one queued message. */
export interface Envelope {
  readonly qid: string;
  /** Envelope sender; "" is the null reverse-path "<>". */
  readonly from: string;
  /** Final recipients (aliases already expanded), in RCPT order, no duplicates. */
  readonly rcpts: readonly string[];
  readonly arrivalMs: number;
  readonly source: MessageSource;
  readonly clientIp?: string;
  readonly helo?: string;
  readonly authUser?: string;
  /** RFC 6152: the client declared 8-bit content. */
  readonly is8bit?: boolean;
  /** RFC 6531: the message needs SMTPUTF8 to travel further. */
  readonly isSmtputf8?: boolean;
  /** This marks a notice (DSN) we generated. */
  readonly isBounce?: boolean;
  /**
   * The DSN extension's requests (RFC 3461), each only when given, so a
   * message without them is written as before and a queue file written
   * before them reads as "nothing asked". RET from MAIL.
   */
  readonly ret?: DsnReturn;
  /** ENVID from MAIL, as the client wrote it (xtext). */
  readonly envid?: string;
  /** NOTIFY and ORCPT by final recipient, for those whose RCPT gave either (aliases expanded). */
  readonly rcptDsn?: Readonly<Record<string, RecipientDsn>>;
  /** RCPTs with NOTIFY=SUCCESS that expanded to several targets: reported "expanded". */
  readonly expanded?: readonly { readonly rcpt: string; readonly orcpt?: string }[];
}

const MAGIC = "PBQ1 ";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A queue file that cannot be read as one (damaged, truncated, not ours). */
export class QueueFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueueFileError";
  }
}

/** The envelope line that starts a queue file, LF included. */
export function encodeEnvelopeLine(envelope: Envelope): Uint8Array {
  return encoder.encode(MAGIC + JSON.stringify(envelope) + "\n");
}

/**
 * Splits a queue file into its envelope and the offset where the message
 * starts. Throws an Error naming the problem for a damaged file.
 */
export function decodeQueueFile(bytes: Uint8Array): { envelope: Envelope; messageOffset: number } {
  const lf = bytes.indexOf(10);
  if (lf < 0) throw new QueueFileError("queue file has no envelope line");
  const line = decoder.decode(bytes.subarray(0, lf));
  if (!line.startsWith(MAGIC)) {
    throw new QueueFileError("queue file does not start with the envelope marker");
  }
  let value: Partial<Envelope> | null;
  try {
    value = JSON.parse(line.slice(MAGIC.length)) as Partial<Envelope> | null;
  } catch (error) {
    throw new QueueFileError(`queue file envelope is not JSON: ${(error as Error).message}`);
  }
  if (
    value === null || typeof value !== "object" ||
    typeof value.qid !== "string" || typeof value.from !== "string" ||
    !Array.isArray(value.rcpts) || !value.rcpts.every((rcpt) => typeof rcpt === "string") ||
    typeof value.arrivalMs !== "number"
  ) {
    throw new QueueFileError("queue file envelope is incomplete");
  }
  return { envelope: value as Envelope, messageOffset: lf + 1 };
}
