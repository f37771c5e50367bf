/**
 * One IMAP connection: reads commands (with their literals), dispatches
 * them through the command table by state, announces mailbox changes, and
 * turns every refusal into a tagged `NO`/`BAD` (or `BYE`) in one place,
 * `#respond`. An unexpected exception becomes `NO [SERVERBUG]` with the
 * connection id and a logged stack; the session goes on.
 */
import { errorText, newCid } from "../log/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Connection, LARGE_WRITE_SLICE_BYTES } from "../net/mod.ts";
import { binaryToBytes } from "../mail/mod.ts";
import { readCommand } from "./command_reader.ts";
import { COMMANDS, type SessionState } from "./commands/table.ts";
import { KeywordLimitError } from "../mailbox/mod.ts";
import { isStorageFull } from "../spool/mod.ts";
import { bad, ImapError, no } from "./errors.ts";
import type { ImapServerOptions } from "./options.ts";
import { CommandCursor, parseCommandStart } from "./parser.ts";
import { revokedLogin } from "./revoked_login.ts";
import type { SelectedMailbox } from "./selected.ts";

const MAX_BAD_COMMANDS = 20;

/** The state of one connection; handlers read and change it. */
export class ImapSession {
  readonly cid = newCid();
  readonly connection: Connection;
  readonly options: ImapServerOptions;
  readonly log: Logger;
  /** The logged-in account, or null. */
  user: string | null = null;
  /** What `user`'s password was checked against at login (see `revoked_login.ts`). */
  grant: string | null = null;
  selected: SelectedMailbox | null = null;
  #isLoggingOut = false;
  #badCount = 0;
  /** A command is being handled (the next read is not waiting for the client). */
  #isBusy = false;
  /** Set when the selected folder was deleted or renamed elsewhere: that selection, the BYE text. */
  #gone: { selection: SelectedMailbox; text: string } | null = null;

  constructor(connection: Connection, options: ImapServerOptions) {
    this.connection = connection;
    this.options = options;
    this.log = options.log.with({ cid: this.cid });
  }

  /** Where the session stands, for the command table. */
  get state(): SessionState {
    if (this.user === null) return "not-authenticated";
    return this.selected === null ? "authenticated" : "selected";
  }

  /** True when the connection is encrypted. */
  get isTls(): boolean {
    return this.connection.tls !== null;
  }

  /** True when LOGIN and AUTHENTICATE are allowed now. */
  get mayAuthenticate(): boolean {
    return this.isTls || this.options.isInsecureAuthAllowed;
  }

  /** Ends the session after the current response. */
  logout(): void {
    this.#isLoggingOut = true;
  }

  /** True once the session will end after the current response. */
  get isLoggingOut(): boolean {
    return this.#isLoggingOut;
  }

  /**
   * Why a read ended in "timeout", for the `* BYE`: the selected folder gone,
   * the server stopping, or the client idle too long (RFC 9051 5.4). Every
   * read asks here (IDLE and AUTHENTICATE read on their own).
   */
  timeoutText(): string {
    return this.#gone?.text ??
      (this.connection.isShuttingDown ? "Server shutting down" : "Autologout; idle for too long");
  }

  /**
   * The selected folder (`selection`) was deleted or renamed by another
   * session: this session says `* BYE <text>` and ends (RFC 2180 3.2), after
   * the command in progress or at once when it is waiting for the client.
   * A command that leaves the folder meanwhile (a SELECT of another, CLOSE)
   * owes no BYE for it.
   */
  endForGoneSelection(selection: SelectedMailbox, text: string): void {
    if (selection !== this.selected) return;
    this.#gone = { selection, text };
    if (!this.#isBusy) this.connection.shutdown();
  }

  /** Sends an untagged or continuation line now-ish (flushed before the next read). */
  send(text: string): void {
    this.connection.write(/^[\x00-\x7f]*$/.test(text) ? text : binaryToBytes(text));
  }

  /**
   * Sends a response that may be large (a FETCH with message data): in
   * slices, waiting while the client is not taking them, so a slow reader
   * never makes us queue a whole message. False once the client is gone.
   */
  async sendLarge(text: string): Promise<boolean> {
    if (text.length <= LARGE_WRITE_SLICE_BYTES) {
      this.send(text);
      return true;
    }
    for (let offset = 0; offset < text.length; offset += LARGE_WRITE_SLICE_BYTES) {
      const slice = binaryToBytes(text.slice(offset, offset + LARGE_WRITE_SLICE_BYTES));
      if (!await this.connection.writeLarge(slice)) return false;
    }
    return true;
  }

  /**
   * Sends a response in pieces, in order: text as `sendLarge` does, and
   * message bytes as they are, in slices while the client takes them. False
   * once the client is gone.
   */
  async sendPieces(pieces: readonly (string | Uint8Array)[]): Promise<boolean> {
    for (const piece of pieces) {
      if (typeof piece === "string") {
        if (!await this.sendLarge(piece)) return false;
      } else if (piece.length <= LARGE_WRITE_SLICE_BYTES) {
        this.connection.write(piece);
      } else if (!await this.connection.writeLarge(piece)) return false;
    }
    return true;
  }

  /** Deselects the current mailbox (if any), releasing it. */
  deselect(): void {
    if (this.selected === null) return;
    this.selected.close();
    this.selected.mailbox.release();
    this.selected = null;
  }

  /**
   * Sends the waiting mailbox changes (expunges only when `mayExpunge`);
   * none once the BYE is out: only the tagged OK follows it (RFC 9051 6.1.3).
   */
  sendUpdates(options: { mayExpunge: boolean }): void {
    if (this.#gone !== null && this.#gone.selection !== this.selected) this.#gone = null;
    if (this.#gone !== null) {
      if (!this.#isLoggingOut) this.send(`* BYE ${this.#gone.text}\r\n`);
      this.logout();
      return;
    }
    if (this.selected === null || this.#isLoggingOut) return;
    for (const line of this.selected.takeUpdates(options)) this.send(line);
  }

  /** Runs the session until LOGOUT, autologout or the peer leaving. */
  async run(): Promise<void> {
    this.log.info("imap.connect", {
      ip: this.connection.remoteAddress,
      port: this.connection.remotePort,
      tls: this.options.isImplicitTls,
    });
    try {
      // RFC 3501 7.1: the code is capability-data, "CAPABILITY" then the list.
      const capabilities = this.capabilities().join(" ");
      this.send(
        `* OK [CAPABILITY ${capabilities}] ${this.options.hostname} Pillarbox IMAP ready\r\n`,
      );
      while (!this.#isLoggingOut) {
        const read = await readCommand(this.connection, {
          maxAppendBytes: this.options.maxMessageBytes,
          isAuthenticated: this.user !== null,
        });
        if (read.kind === "eof") break;
        // A client that reset the connection hears no more answers: what it had
        // pipelined is not run, so nothing (an APPEND, an EXPUNGE) takes effect
        // after it has gone, behind the back of its next session (mbsync killed
        // mid-upload then appends again what it never saw answered).
        if (this.connection.isClosed) break;
        if (read.kind === "timeout") {
          this.send(`* BYE ${this.timeoutText()}\r\n`);
          break;
        }
        if (read.kind === "refused") {
          this.#respond(read.tag, read.error);
          if (read.mustClose) {
            this.send("* BYE Literal refused; closing the connection\r\n");
            break;
          }
          continue;
        }
        const revoked = await revokedLogin(this);
        if (revoked !== null) {
          this.#respond("*", revoked);
          break;
        }
        await this.#dispatch(new CommandCursor(read.raw));
      }
    } finally {
      this.deselect();
      this.connection.flush();
      this.log.info("imap.disconnect", { user: this.user ?? undefined });
    }
  }

  /** The capabilities for the current state (RFC 3501 7.2.1). */
  capabilities(): string[] {
    const caps = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE"];
    caps.push(
      "UIDPLUS",
      "MOVE",
      "UNSELECT",
      "CHILDREN",
      "SPECIAL-USE",
      "LIST-EXTENDED",
      "SORT",
      "SORT=DISPLAY",
      "THREAD=ORDEREDSUBJECT",
      "THREAD=REFERENCES",
      "ESEARCH",
      "LIST-STATUS",
    );
    if (this.user === null) {
      if (!this.isTls && this.options.tls !== null) caps.push("STARTTLS");
      if (this.mayAuthenticate) caps.push("AUTH=PLAIN");
      else caps.push("LOGINDISABLED");
    }
    return caps;
  }

  async #dispatch(cursor: CommandCursor): Promise<void> {
    let tag = "*";
    try {
      const start = parseCommandStart(cursor, { onTag: (known) => tag = known });
      const command = COMMANDS.get(start.verb);
      this.log.debug("imap.command", { verb: command ? start.verb : "?" });
      if (command === undefined) throw bad(`Unknown command "${start.verb.slice(0, 30)}"`);
      if (!command.states.includes(this.state)) {
        throw bad(`${start.verb} is not allowed ${stateWords(this.state)}`);
      }
      if (!cursor.atEnd()) cursor.sp();
      this.#isBusy = true;
      const done = await command.handle(this, cursor, tag).finally(() => this.#isBusy = false);
      this.sendUpdates({ mayExpunge: !command.holdsExpunges });
      if (done?.isAnswered) return;
      const code = done?.code ? `[${done.code}] ` : "";
      this.send(`${tag} OK ${code}${done?.text ?? `${start.verb} completed`}\r\n`);
      this.#badCount = 0;
    } catch (error) {
      this.sendUpdates({ mayExpunge: false });
      this.#respond(tag, error);
    }
  }

  /** The one place where refusals become wire bytes. */
  #respond(tag: string, error: unknown): void {
    if (error instanceof KeywordLimitError) error = no(error.message, "LIMIT");
    if (isStorageFull(error)) {
      // A full disk is the administrator's to clear, not a bug; clients know OVERQUOTA (RFC 5530).
      this.log.error("imap.storage_full", { error: (error as Error).message });
      error = no("Not enough disk space, try again later", "OVERQUOTA");
    }
    if (error instanceof ImapError) {
      if (error.status === "BAD" && ++this.#badCount >= MAX_BAD_COMMANDS) {
        this.send("* BYE Too many invalid commands\r\n");
        this.logout();
        return;
      }
      this.send(error.format(tag));
      if (error.status === "BYE") this.logout();
      return;
    }
    this.log.error("imap.internal_error", {
      error: errorText(error),
    });
    this.send(`${tag} NO [SERVERBUG] Internal error (${this.cid})\r\n`);
  }
}

function stateWords(state: SessionState): string {
  if (state === "not-authenticated") return "before login";
  return state === "authenticated" ? "without a selected mailbox" : "with a mailbox selected";
}
