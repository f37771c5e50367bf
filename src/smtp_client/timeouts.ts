/** RFC 5321 4.5.3.2 client timeouts; options so tests can shorten them. */

/** How long the client waits at each stage. */
export interface ClientTimeouts {
  /** TCP connect (and the implicit-TLS handshake). */
  connectMs: number;
  /** The 220 greeting (4.5.3.2.1: 5 minutes). */
  greetingMs: number;
  /** MAIL, and EHLO/STARTTLS/AUTH/RSET (4.5.3.2.2: 5 minutes). */
  mailMs: number;
  /** Each RCPT (4.5.3.2.3: 5 minutes). */
  rcptMs: number;
  /** The 354 after DATA (4.5.3.2.4: 2 minutes). */
  dataInitMs: number;
  /** Sending the message bytes (4.5.3.2.5: 3 minutes per block). */
  dataBlockMs: number;
  /** The reply to the final dot (4.5.3.2.6: 10 minutes). */
  finalDotMs: number;
}

/** The RFC's values. */
export const RFC_TIMEOUTS: ClientTimeouts = {
  connectMs: 5 * 60_000,
  greetingMs: 5 * 60_000,
  mailMs: 5 * 60_000,
  rcptMs: 5 * 60_000,
  dataInitMs: 2 * 60_000,
  dataBlockMs: 3 * 60_000,
  finalDotMs: 10 * 60_000,
};
