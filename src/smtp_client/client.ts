/**
 * One SMTP client connection: greeting, EHLO (HELO fallback), STARTTLS,
 * AUTH, then any number of transactions (`transaction.ts`) with RSET
 * between them, then QUIT. `isUsable` turns false once the conversation
 * can no longer be trusted (a failure, a 421, a timeout).
 */
import { isIpLiteral } from "../config/mod.ts";
import type { Connection } from "../net/mod.ts";
import { authenticate, type Credentials } from "./auth.ts";
import { connectTo } from "./connect.ts";
import { SmtpClientError } from "./errors.ts";
import { type Extensions, NO_EXTENSIONS, parseEhloLines } from "./extensions.ts";
import { describeReply, type ServerReply } from "./reply_parser.ts";
import { type ClientTimeouts, RFC_TIMEOUTS } from "./timeouts.ts";
import { command, expectCode, readReply } from "./wire.ts";

/** The wait for the reply to HELO after a refused EHLO (a hang-up there calls again). */
const HELO_AFTER_EHLO_STAGE = "HELO";

/** How to reach the server and what to insist on. */
export interface OpenOptions {
  /** Address to connect to (an IP, or a name for a route/smarthost). */
  hostname: string;
  port: number;
  /** Our name for EHLO. */
  ehloName: string;
  /**
   * "opportunistic": STARTTLS when offered, certificate not checked (MX);
   * "required": STARTTLS must succeed; "implicit": TLS from the first byte;
   * "none": plaintext.
   */
  tlsMode: "none" | "opportunistic" | "required" | "implicit";
  /** Check the certificate against the trusted CAs and `tlsName`. */
  isTlsVerified: boolean;
  /** How logs and DSNs name the peer (defaults to `hostname`), e.g. "mx.example.com [192.0.2.1]". */
  remoteName?: string;
  /** The name the certificate must carry (defaults to `hostname`). */
  tlsName?: string;
  credentials?: Credentials;
  timeouts?: Partial<ClientTimeouts>;
}

/** A connected, greeted (and possibly secured and authenticated) client. */
export class SmtpClient {
  readonly connection: Connection;
  readonly timeouts: ClientTimeouts;
  /** "host[ip]" for logs and the DSN's Remote-MTA. */
  readonly remoteMta: string;
  extensions: Extensions = NO_EXTENSIONS;
  isUsable = true;
  /** Whether a transaction has run since the last RSET. */
  isDirty = false;
  /** Greet with HELO, not EHLO: this server refused EHLO and hung up before. */
  #isHeloOnly = false;

  private constructor(connection: Connection, options: OpenOptions, timeouts: ClientTimeouts) {
    this.connection = connection;
    this.timeouts = timeouts;
    this.remoteMta = options.remoteName ?? options.hostname;
  }

  /**
   * Connects and runs the handshake; throws `SmtpClientError` on any failure.
   * A server that refuses EHLO with 5xx and hangs up before our HELO (as some
   * old or stripped-down ones do) is called again and greeted with HELO at
   * once (RFC 5321 3.2, 4.1.4): HELO on the closed connection could only fail,
   * and every retry would meet the same end.
   */
  static async open(options: OpenOptions): Promise<SmtpClient> {
    try {
      return await SmtpClient.#open(options, { isHeloOnly: false });
    } catch (error) {
      const isHangUpAfterEhlo = error instanceof SmtpClientError && error.kind === "dropped" &&
        error.stage === HELO_AFTER_EHLO_STAGE;
      if (!isHangUpAfterEhlo) throw error;
      return await SmtpClient.#open(options, { isHeloOnly: true });
    }
  }

  static async #open(options: OpenOptions, mode: { isHeloOnly: boolean }): Promise<SmtpClient> {
    const timeouts = { ...RFC_TIMEOUTS, ...options.timeouts };
    const tlsName = options.tlsName ?? options.hostname;
    const tlsOptions = {
      // SNI carries host names only (RFC 6066 3): node:tls throws on an IP address.
      servername: isIpLiteral(tlsName) ? undefined : tlsName,
      // The name the certificate is checked against (an IP against its IP entries,
      // RFC 6125 6.2.1); without it node:tls checks an IP hop's certificate for "localhost".
      host: tlsName,
      rejectUnauthorized: options.isTlsVerified,
    };
    const connection = await connectTo({
      hostname: options.hostname,
      port: options.port,
      timeoutMs: timeouts.connectMs,
      tls: options.tlsMode === "implicit" ? tlsOptions : undefined,
    });
    const client = new SmtpClient(connection, options, timeouts);
    client.#isHeloOnly = mode.isHeloOnly;
    try {
      await client.#handshake(options, tlsOptions);
      return client;
    } catch (error) {
      client.abort();
      // A server answered (or at least took the connection): the DSN names it.
      if (error instanceof SmtpClientError && error.remoteMta === undefined) {
        throw error.withRemoteMta(client.remoteMta);
      }
      throw error;
    }
  }

  async #handshake(
    options: OpenOptions,
    tlsOptions: { servername?: string; host: string; rejectUnauthorized: boolean },
  ): Promise<void> {
    const greeting = await readReply(this.connection, {
      timeoutMs: this.timeouts.greetingMs,
      stage: "greeting",
    });
    expectCode(greeting, { stage: "greeting", low: 220, high: 220 });
    await this.#hello(options.ehloName);
    const wantsTls = options.tlsMode === "opportunistic" || options.tlsMode === "required";
    if (wantsTls && this.extensions.hasStartTls) {
      const timing = { timeoutMs: this.timeouts.mailMs, stage: "STARTTLS" };
      const reply = await command(this.connection, "STARTTLS", timing);
      // Refused (454 "TLS not available"): the session goes on in plaintext (RFC 3207 4),
      // which is what opportunistic TLS settles for; a hop that requires TLS fails. A 421
      // closes the session (RFC 5321 3.8): it fails, so the next MX is tried.
      const isRefusedOpportunity = reply.code >= 300 && reply.code !== 421 &&
        options.tlsMode === "opportunistic";
      if (isRefusedOpportunity) await this.#checkOpenAfterRefusedTls(reply);
      else {
        if (reply.code >= 300 && options.tlsMode === "required") {
          // Our requirement failed, not the message: it waits for the hop to be fixed,
          // as when STARTTLS is not offered at all.
          throw new SmtpClientError(
            "tls",
            `STARTTLS is required but refused: ${describeReply(reply)}`,
            {
              status: "4.7.5",
              reply,
            },
          );
        }
        expectCode(reply, timing);
        if (!await this.connection.startClientTls(tlsOptions)) {
          // Say why (a certificate that does not verify, and how): the operator must know
          // whether to fix the CA, the name, or the peer.
          const why = this.connection.tlsFailure === null ? "" : `: ${this.connection.tlsFailure}`;
          throw new SmtpClientError("tls", `STARTTLS: the TLS handshake failed${why}`, {
            status: "4.7.5",
          });
        }
        await this.#hello(options.ehloName);
      }
    } else if (options.tlsMode === "required") {
      throw new SmtpClientError("tls", "STARTTLS is required but the server does not offer it", {
        status: "4.7.5",
      });
    }
    if (options.credentials) {
      await authenticate(this.connection, {
        credentials: options.credentials,
        extensions: this.extensions,
        timeoutMs: this.timeouts.mailMs,
      });
    }
  }

  /**
   * After a refused STARTTLS the session should go on in plaintext (RFC 3207
   * 4), but some servers hang up with their 454. A NOOP tells: a session
   * that is gone (or says 421) fails as a TLS failure, which the courier
   * answers with a new connection that does not ask for TLS. Unchecked, every
   * attempt would meet the same hang-up at MAIL and the mail would never go.
   */
  async #checkOpenAfterRefusedTls(refusal: ServerReply): Promise<void> {
    try {
      const reply = await command(this.connection, "NOOP", {
        timeoutMs: this.timeouts.mailMs,
        stage: "NOOP",
      });
      if (reply.code !== 421) return;
    } catch (error) {
      if (!(error instanceof SmtpClientError && error.kind === "dropped")) throw error;
    }
    throw new SmtpClientError(
      "tls",
      `STARTTLS refused (${describeReply(refusal)}) and the session closed`,
      { status: "4.7.5", reply: refusal },
    );
  }

  /** EHLO, and HELO when EHLO is refused with 5xx (RFC 5321 4.1.4). */
  async #hello(name: string): Promise<void> {
    const timing = { timeoutMs: this.timeouts.mailMs, stage: "EHLO" };
    if (this.#isHeloOnly) {
      const heloTiming = { ...timing, stage: "HELO" };
      expectCode(await command(this.connection, `HELO ${name}`, heloTiming), heloTiming);
      this.extensions = NO_EXTENSIONS;
      return;
    }
    const ehlo = await command(this.connection, `EHLO ${name}`, timing);
    if (ehlo.code === 250) {
      this.extensions = parseEhloLines(ehlo.lines);
      return;
    }
    if (ehlo.code < 500) throw SmtpClientError.fromReply("EHLO", ehlo);
    // Its own stage: a hang-up here (the server closed after refusing EHLO) calls again.
    const heloTiming = { ...timing, stage: HELO_AFTER_EHLO_STAGE };
    expectCode(await command(this.connection, `HELO ${name}`, heloTiming), heloTiming);
    this.extensions = NO_EXTENSIONS;
  }

  /** TLS version and cipher, or null for plaintext. */
  get tls(): { protocol: string; cipher: string } | null {
    return this.connection.tls;
  }

  /** RSET before reusing the connection; false if the server did not take it. */
  async reset(): Promise<boolean> {
    if (!this.isUsable) return false;
    if (!this.isDirty) return true;
    try {
      const reply = await command(this.connection, "RSET", {
        timeoutMs: this.timeouts.mailMs,
        stage: "RSET",
      });
      this.isDirty = false;
      if (reply.code === 250) return true;
    } catch { /* unusable below */ }
    this.isUsable = false;
    return false;
  }

  /** QUIT politely (short wait for the 221) and close. */
  async quit(): Promise<void> {
    if (this.isUsable) {
      this.isUsable = false;
      try {
        await command(this.connection, "QUIT", { timeoutMs: 5_000, stage: "QUIT" });
      } catch { /* closing anyway */ }
    }
    this.connection.close();
  }

  /** Closes at once (after a failure). */
  abort(): void {
    this.isUsable = false;
    this.connection.destroy();
  }
}
