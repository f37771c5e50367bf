/**
 * One SMTP session: reads command lines, dispatches them through the
 * command table, and turns every reply or refusal into bytes in exactly one
 * place (`#send`). An unexpected exception becomes "451 4.3.0 ... (cid)"
 * and a logged stack; the session goes on.
 */
import { MAX_SASL_LINE_OCTETS } from "../auth/mod.ts";
import { ipInNetworks } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { errorText, newCid } from "../log/mod.ts";
import type { Connection, LineRead } from "../net/mod.ts";
import { formatReply, Refusal, type Reply, SmtpError } from "../smtp/mod.ts";
import { parseCommand } from "../smtp/mod.ts";
import { COMMANDS, type SessionStage } from "./commands.ts";
import { skipRefusedChunk } from "./data.ts";
import type { SmtpServerOptions } from "./options.ts";
import type { Transaction } from "./transaction.ts";

/** RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF. */
export const MAX_COMMAND_LINE_OCTETS = 512;
/**
 * MAIL may be longer by what the parameters we accept add to it: SIZE 26
 * (RFC 1870), BODY=8BITMIME 14, SMTPUTF8 10 and AUTH= 500 (RFC 4954 3),
 * and by its RET and ENVID parameters (see `dsnOctets`).
 */
export const MAX_MAIL_LINE_OCTETS = MAX_COMMAND_LINE_OCTETS + 26 + 14 + 10 + 500;
/**
 * What the DSN parameters may add to a line (RFC 3461 5.4), as far as a
 * line holds them, so the allowance is no licence for other text: MAIL's
 * " RET=HDRS" and " ENVID=" with 100 characters; RCPT's NOTIFY and ORCPT
 * (530 characters), an ORCPT's 500 characters UTF-8 of up to 4 octets each
 * in an SMTPUTF8 transaction (RFC 6533 3).
 */
const DSN_PARAMETERS = {
  MAIL: { pattern: / (?:RET|ENVID)=[^ ]*/gi, maxOctets: 9 + 107 },
  RCPT: { pattern: / (?:NOTIFY|ORCPT)=[^ ]*/gi, maxOctets: 1 + 7 + 28 + 1 + 6 + 4 * 500 },
} as const;
const encoder = new TextEncoder();

/** The octets the DSN parameters of a MAIL or RCPT line take, up to what they may. */
function dsnOctets(verb: "MAIL" | "RCPT", text: string): number {
  const { pattern, maxOctets } = DSN_PARAMETERS[verb];
  let octets = 0;
  for (const match of text.matchAll(pattern)) octets += encoder.encode(match[0]).length;
  return Math.min(octets, maxOctets);
}
/**
 * RCPT commands whose refusals do not count as errors: a server must take 100
 * recipients (RFC 5321 4.5.3.1.8), so a message to a few unknown addresses
 * and one good one is not cut off. The allowance is the session's, renewed by
 * each message taken: an MTA sends a long list 100 recipients to a
 * transaction, several transactions down one connection (Exim's max_rcpt),
 * while a harvester gets no new allowance from RSET, only by handing over a
 * message for a real mailbox. Past it, guessing addresses counts.
 */
const FREE_RCPT_COMMANDS = 100;
const DEFAULT_MAX_ERRORS = 10;

/** The longest line `verb` may come in (AUTH: the read limit alone, RFC 4954 4). */
function maxLineOctets(verb: string, text: string): number {
  if (verb === "AUTH") return MAX_SASL_LINE_OCTETS + 2;
  if (verb === "RCPT") return MAX_COMMAND_LINE_OCTETS + dsnOctets(verb, text);
  if (verb === "MAIL") return MAX_MAIL_LINE_OCTETS + dsnOctets(verb, text);
  return MAX_COMMAND_LINE_OCTETS;
}

/** The state of one connection; handlers read and change it. */
export class SmtpSession {
  readonly cid = newCid();
  readonly connection: Connection;
  readonly options: SmtpServerOptions;
  readonly log: Logger;
  /** The EHLO/HELO argument once greeted, else null. */
  helo: string | null = null;
  isEsmtp = false;
  authUser: string | null = null;
  /** What `authUser`'s password was checked against (see `Directory.isGrantCurrent`). */
  authGrant: string | null = null;
  transaction: Transaction | null = null;
  #errors = 0;
  #rcptCommands = 0;
  /** Past the error limit: the next command is answered 421 and the session ends. */
  #isOverErrorLimit = false;
  #isClosing = false;
  #afterReply: (() => Promise<void>) | null = null;

  constructor(connection: Connection, options: SmtpServerOptions) {
    this.connection = connection;
    this.options = options;
    this.log = options.log.with({ cid: this.cid });
  }

  /** Where the session stands, for the command table's "allowed in" check. */
  get stage(): SessionStage {
    if (this.helo === null) return "fresh";
    if (this.transaction === null) return "greeted";
    return this.transaction.rcptCount > 0 ? "rcpt" : "mail";
  }

  /** True when the client may relay: a trusted network or an authenticated user. */
  get mayRelay(): boolean {
    return this.authUser !== null || this.isTrustedNetwork;
  }

  #trusted: boolean | null = null;
  get isTrustedNetwork(): boolean {
    return this.#trusted ??= ipInNetworks(
      this.connection.remoteAddress,
      this.options.relayNetworks,
    );
  }

  /** A message was taken (its 250 is on its way): the next RCPTs get a new allowance. */
  renewRcptAllowance(): void {
    this.#rcptCommands = 0;
  }

  /** Asks the session to close after the current reply. */
  closeAfterReply(): void {
    this.#isClosing = true;
  }

  /**
   * The 421 for a read that ended in "timeout": the server stopping (4.3.2)
   * or the client idle too long (4.4.2). Every read in the session asks here.
   */
  timeoutRefusal(): SmtpError {
    return this.connection.isShuttingDown ? Refusal.shuttingDown() : Refusal.idleTimeout();
  }

  /** Runs `task` once the current reply is queued (STARTTLS: the upgrade after the 220). */
  runAfterReply(task: () => Promise<void>): void {
    this.#afterReply = task;
  }

  /** Runs the session until QUIT, a fatal refusal, idle timeout or the peer leaving. */
  async run(): Promise<void> {
    this.log.info("smtp.connect", {
      proto: this.options.kind,
      ip: this.connection.remoteAddress,
      port: this.connection.remotePort,
    });
    this.#send({ code: 220, lines: [`${this.options.hostname} ESMTP Pillarbox ready`] });
    while (!this.#isClosing) {
      const read = await this.connection.readLine(MAX_SASL_LINE_OCTETS + 2);
      if (read.kind === "eof") break;
      if (read.kind === "timeout") {
        this.#send(this.timeoutRefusal().toReply());
        break;
      }
      await this.#handleLine(read);
    }
    this.connection.flush();
    await this.transaction?.discardChunks(); // a BDAT message never finished
    this.log.info("smtp.disconnect", { errors: this.#errors });
  }

  async #handleLine(
    read: Exclude<LineRead, { kind: "eof" } | { kind: "timeout" }>,
  ) {
    let reply: Reply;
    let verb = "";
    let arg = "";
    /** A BDAT line refused before its handler reads the chunk that follows it. */
    let isChunkUnread = false;
    try {
      if (this.#isOverErrorLimit) throw Refusal.tooManyErrors();
      if (read.kind === "too-long") {
        // Its chunk follows all the same: the size is read from the line's first bytes.
        const head = parseCommand(read.head);
        if (head.verb === "BDAT") [verb, arg, isChunkUnread] = ["BDAT", head.arg, true];
        throw Refusal.lineTooLong();
      }
      const command = parseCommand(read.text);
      verb = command.verb;
      arg = command.arg;
      isChunkUnread = verb === "BDAT";
      if (
        read.octets + 2 > MAX_COMMAND_LINE_OCTETS &&
        read.octets + 2 > maxLineOctets(verb, read.text)
      ) {
        throw Refusal.lineTooLong();
      }
      if (read.hasBareLf || read.text.includes("\r")) throw Refusal.bareLineFeed();
      if (read.text.includes("\0")) throw Refusal.syntax("NUL in command");
      // RFC 6531 3.3: UTF-8 or nothing; a U+FFFD in its place would change an address.
      if (read.hasInvalidUtf8) throw Refusal.syntax("command is not valid UTF-8");
      this.log.debug("smtp.command", { verb: /^[A-Z]{1,12}$/.test(verb) ? verb : "?" });
      const handler = COMMANDS.get(verb);
      if (!handler) throw Refusal.unknownCommand(verb);
      if (!handler.allowedIn.includes(this.stage)) throw handler.outOfSequence(this);
      if (verb === "RCPT") this.#rcptCommands++;
      isChunkUnread = false;
      reply = await handler.handle(this, arg);
    } catch (error) {
      this.#afterReply = null;
      const lost = isChunkUnread ? await skipRefusedChunk(this, arg) : null;
      reply = lost ?? this.#refusalReply(error, verb);
    }
    this.#send(reply);
    const task = this.#afterReply;
    this.#afterReply = null;
    if (task) await task();
  }

  /**
   * Turns anything thrown by a handler into the reply to send. The refusal
   * that reaches the error limit becomes the 421, except a verdict on a
   * message (DATA, BDAT): a 552 stays final, and the next command gets the 421.
   */
  #refusalReply(error: unknown, verb: string): Reply {
    if (error instanceof SmtpError) {
      const isFreeRcpt = verb === "RCPT" && this.#rcptCommands <= FREE_RCPT_COMMANDS;
      const isCounted = error.isClientFault && !isFreeRcpt && !this.#isOverErrorLimit;
      if (isCounted && ++this.#errors >= (this.options.maxErrors ?? DEFAULT_MAX_ERRORS)) {
        this.log.warn("smtp.too_many_errors", { ip: this.connection.remoteAddress });
        if (verb !== "DATA" && verb !== "BDAT") return Refusal.tooManyErrors().toReply();
        this.#isOverErrorLimit = true;
      }
      return error.toReply();
    }
    this.log.error("smtp.internal_error", {
      error: errorText(error),
    });
    return Refusal.localError(this.cid).toReply();
  }

  /** The one place where replies become bytes. */
  #send(reply: Reply): void {
    this.connection.write(formatReply(reply));
    if (reply.closeAfter) this.#isClosing = true;
  }

  /** Sends a reply now, outside the command/reply rhythm (354, AUTH challenges). */
  sendIntermediate(reply: Reply): void {
    this.connection.write(formatReply(reply));
    this.connection.flush();
  }
}
