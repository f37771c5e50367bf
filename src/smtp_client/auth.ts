/**
 * AUTH to a smarthost (RFC 4954): PLAIN (RFC 4616) when offered, else LOGIN.
 * Encoders come from the shared SASL module in `auth/`; the password never reaches a log line.
 */
import { encodeBase64Text, encodePlainResponse } from "../auth/mod.ts";
import type { Connection } from "../net/mod.ts";
import { SmtpClientError } from "./errors.ts";
import type { Extensions } from "./extensions.ts";
import { command, expectCode } from "./wire.ts";

/** Login name and password for the smarthost. */
export interface Credentials {
  user: string;
  password: string;
}

/** Authenticates or throws `SmtpClientError` (535 is permanent, 454 transient). */
export async function authenticate(
  connection: Connection,
  options: { credentials: Credentials; extensions: Extensions; timeoutMs: number },
): Promise<void> {
  const { user, password } = options.credentials;
  const mechanisms = options.extensions.authMechanisms;
  const timing = { timeoutMs: options.timeoutMs, stage: "AUTH" };
  if (mechanisms.has("PLAIN")) {
    const token = encodePlainResponse(user, password);
    expectCode(await command(connection, `AUTH PLAIN ${token}`, timing), timing);
    return;
  }
  if (mechanisms.has("LOGIN")) {
    const steps = [encodeBase64Text(user), encodeBase64Text(password)];
    let reply = await command(connection, "AUTH LOGIN", timing);
    for (const step of steps) {
      if (reply.code !== 334) break;
      reply = await command(connection, step, timing);
    }
    expectCode(reply, timing);
    return;
  }
  throw new SmtpClientError(
    "refused",
    `AUTH: the server offers no mechanism we can use (${[...mechanisms].join(" ") || "none"})`,
    { status: "5.7.4", isPermanent: false },
  );
}
