/**
 * AUTH to a smarthost (RFC 4954): PLAIN (RFC 4616) when offered, else LOGIN.
 * Encoders come from the shared SASL module in `auth/`; the password never reaches a log line.
 */
import { encodeBase64Text, encodePlainResponse } from "../auth/mod.ts";
import type { Connection } from "../net/mod.ts";
import { SmtpClientError } from "./errors.ts";
import type { Extensions } from "./extensions.ts";
import type { ServerReply } from "./reply_parser.ts";
import { command } from "./wire.ts";

/**
 * RFC 5321 4.5.3.1.4: a command line is at most 512 octets, CRLF included.
 * RFC 4954 4 keeps AUTH under that limit: a longer initial response goes after
 * the server's empty 334 challenge instead (those lines may be longer).
 */
const MAX_COMMAND_LINE_OCTETS = 512;

/** Login name and password for the smarthost. */
export interface Credentials {
  user: string;
  password: string;
}

/**
 * Authenticates or throws `SmtpClientError`, always transient: a refused
 * login (535) means our credentials are wrong, which the operator fixes,
 * so mail waits in the queue instead of bouncing (as Postfix's
 * smtp_sasl_auth_soft_bounce does).
 */
export async function authenticate(
  connection: Connection,
  options: { credentials: Credentials; extensions: Extensions; timeoutMs: number },
): Promise<void> {
  const { user, password } = options.credentials;
  const mechanisms = options.extensions.authMechanisms;
  const timing = { timeoutMs: options.timeoutMs, stage: "AUTH" };
  if (mechanisms.has("PLAIN")) {
    const token = encodePlainResponse(user, password);
    const line = `AUTH PLAIN ${token}`;
    // base64 is ASCII: its length in characters is its length in octets.
    if (line.length + 2 <= MAX_COMMAND_LINE_OCTETS) {
      accepted(await command(connection, line, timing));
      return;
    }
    const challenge = await command(connection, "AUTH PLAIN", timing);
    accepted(challenge.code === 334 ? await command(connection, token, timing) : challenge);
    return;
  }
  if (mechanisms.has("LOGIN")) {
    const steps = [encodeBase64Text(user), encodeBase64Text(password)];
    let reply = await command(connection, "AUTH LOGIN", timing);
    for (const step of steps) {
      if (reply.code !== 334) break;
      reply = await command(connection, step, timing);
    }
    accepted(reply);
    return;
  }
  throw new SmtpClientError(
    "refused",
    `AUTH: the server offers no mechanism we can use (${[...mechanisms].join(" ") || "none"})`,
    { status: "4.7.4", isPermanent: false },
  );
}

/** A 2xx, or a transient failure that names the flags to check. */
function accepted(reply: ServerReply): void {
  if (reply.code >= 200 && reply.code <= 299) return;
  const refusal = SmtpClientError.fromReply("AUTH", reply);
  throw new SmtpClientError(
    "reply",
    `${refusal.message} (check --smarthost-user and --smarthost-password-file)`,
    { status: refusal.status.replace(/^5/, "4"), isPermanent: false, reply, stage: "AUTH" },
  );
}
