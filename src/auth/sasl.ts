/**
 * SASL PLAIN (RFC 4616) and LOGIN pieces, shared by SMTP AUTH (RFC 4954),
 * POP3 AUTH (RFC 5034) and IMAP AUTHENTICATE (RFC 9051). Pure functions: the
 * protocols own the wire (`334`, `+`), this module owns the decoding.
 */

import { decodeStrictBase64, encodeBase64 } from "./base64.ts";

/** What a client presented: the identity to act as, the login name and the password. */
export type SaslCredentials = { authzid: string; user: string; password: string };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/**
 * RFC 4954 4: an AUTH command or response line may be up to 12288 octets
 * (CRLF excluded). POP3 (RFC 5034) and IMAP use the same bound.
 */
export const MAX_SASL_LINE_OCTETS = 12_288;

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Decodes base64 text sent in a SASL exchange (a LOGIN step).
 * `=` alone is the empty response (RFC 4954). Returns null when the input is
 * not strict, padded base64 or the bytes are not valid UTF-8.
 */
export function decodeBase64Text(base64: string): string | null {
  if (base64 === "=") return "";
  if (base64.length > MAX_SASL_LINE_OCTETS) return null;
  const bytes = decodeStrictBase64(base64);
  return bytes === null ? null : decodeUtf8(bytes);
}

/** Encodes text as base64 (for challenges such as `334 VXNlcm5hbWU6`). */
export function encodeBase64Text(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}

/**
 * Decodes a PLAIN response: `authzid NUL authcid NUL passwd`, base64. Requires
 * strict base64, valid UTF-8, exactly two NULs, a non-empty user and password,
 * and an authzid that is empty or the same as the user (case-insensitively,
 * since logins are addresses) unless `keepForeignAuthzid`: then the caller
 * checks the password first and refuses the authzid after (IMAP's
 * [AUTHORIZATIONFAILED], RFC 5530). Error texts are safe to log: they never
 * contain the password.
 */
export function decodePlainResponse(
  base64: string,
  options: { keepForeignAuthzid?: boolean } = {},
): SaslCredentials | { error: string } {
  if (base64 === "" || base64 === "=") return { error: "empty response" };
  if (base64.length > MAX_SASL_LINE_OCTETS) return { error: "response too long" };
  const bytes = decodeStrictBase64(base64);
  if (bytes === null) return { error: "invalid base64" };
  const text = decodeUtf8(bytes);
  if (text === null) return { error: "invalid UTF-8" };
  const fields = text.split("\0");
  if (fields.length !== 3) return { error: "expected authzid, user and password separated by NUL" };
  const [authzid = "", user = "", password = ""] = fields;
  if (user === "") return { error: "empty user" };
  if (password === "") return { error: "empty password" };
  if (!options.keepForeignAuthzid && isForeignAuthzid({ authzid, user })) {
    return { error: "authorization identity differs from the user" };
  }
  return { authzid, user, password };
}

/** Whether a PLAIN login asks to act as someone other than its user. */
export function isForeignAuthzid(credentials: { authzid: string; user: string }): boolean {
  const { authzid, user } = credentials;
  return authzid !== "" && authzid.toLowerCase() !== user.toLowerCase();
}

/**
 * Encodes a PLAIN response for the client side (a smarthost login):
 * base64 of `NUL user NUL password`, with an empty authzid. The result is a
 * secret: never log it.
 */
export function encodePlainResponse(user: string, password: string): string {
  return encodeBase64Text(`\0${user}\0${password}`);
}

/** Whether a client line cancels the exchange in progress (`*`, RFC 4954 section 4). */
export function isSaslCancel(line: string): boolean {
  return line.trim() === "*";
}
