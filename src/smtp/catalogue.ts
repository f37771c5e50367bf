/**
 * The reply catalogue: every refusal the server and client speak, named once,
 * with the RFC that defines it. Server code throws these; the client compares
 * codes against the same names.
 */
import { SmtpError } from "./smtp_error.ts";

/** Refusals with fixed wording. Functions take the detail that varies. */
export const Refusal = {
  // RFC 5321 4.2.4 / 4.5.3.1
  lineTooLong: () => new SmtpError(500, "5.5.2", "Line too long"),
  bareLineFeed: () => new SmtpError(500, "5.5.2", "Bare LF or CR in command line"),
  unknownCommand: (verb: string) =>
    new SmtpError(500, "5.5.2", `Command not recognized: "${verb.slice(0, 20)}"`),
  syntax: (detail: string) => new SmtpError(501, "5.5.4", `Syntax error: ${detail}`),
  badSequence: (detail: string) => new SmtpError(503, "5.5.1", detail),
  unsupportedParameter: (name: string) =>
    new SmtpError(555, "5.5.4", `Unsupported parameter "${name.slice(0, 30)}"`),
  tooManyErrors: () =>
    new SmtpError(421, "4.7.0", "Too many errors, closing connection", { closeAfter: true }),
  idleTimeout: () =>
    new SmtpError(421, "4.4.2", "Idle timeout, closing connection", { closeAfter: true }),
  connectionLost: () => new SmtpError(421, "4.4.2", "Connection lost", { closeAfter: true }),
  tooManyConnections: () =>
    new SmtpError(421, "4.7.0", "Too many connections, try again later", { closeAfter: true }),
  shuttingDown: () =>
    new SmtpError(421, "4.3.2", "Server shutting down, try again later", { closeAfter: true }),
  // RFC 1870
  messageTooBig: () => new SmtpError(552, "5.3.4", "Message size exceeds fixed maximum"),
  // RFC 5321 4.5.3.1.10
  tooManyRecipients: () => new SmtpError(452, "4.5.3", "Too many recipients"),
  noRecipients: () => new SmtpError(554, "5.5.1", "No valid recipients"),
  unknownUser: () => new SmtpError(550, "5.1.1", "No such user here"),
  // RFC 5321 4.2.1: 5yz says "do not try again"; an account list we cannot read now cannot say it.
  recipientLookupFailed: () =>
    new SmtpError(451, "4.3.0", "Cannot look up this recipient now, try again later", {
      isClientFault: false,
    }),
  // RFC 5321 4.3.2 lists no 554 for RCPT; 550 is "command rejected for policy reasons" (4.2.2).
  relayDenied: () => new SmtpError(550, "5.7.1", "Relay access denied"),
  badSenderSyntax: (detail: string) => new SmtpError(553, "5.1.7", `Bad sender address: ${detail}`),
  badRecipientSyntax: (detail: string) =>
    new SmtpError(553, "5.1.3", `Bad recipient address: ${detail}`),
  // SMTP smuggling (bare CR/LF in DATA), NUL, 8-bit without BODY=8BITMIME
  bareLineEndingsInData: () =>
    new SmtpError(550, "5.6.0", "Message contains bare CR or LF; use CRLF line endings"),
  nulInData: () => new SmtpError(550, "5.6.0", "Message contains NUL characters"),
  textLineTooLong: () => new SmtpError(500, "5.5.2", "Message line too long (1000 octets max)"),
  // RFC 5321 6.3: loop detection
  mailLoop: () => new SmtpError(554, "5.4.6", "Too many Received headers: mail loop"),
  // RFC 6531
  utf8NeedsSmtputf8: () =>
    new SmtpError(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter"),
  // RFC 5321 4.2.2 452, RFC 3463 4.3.1: the disk (or a quota) is full; worth trying later.
  storageFull: (cid: string) =>
    new SmtpError(452, "4.3.1", `Insufficient system storage, try again later (${cid})`, {
      isClientFault: false,
    }),
  localError: (cid: string) =>
    new SmtpError(451, "4.3.0", `Local error in processing, try again later (${cid})`, {
      isClientFault: false,
    }),
  // RFC 4954
  authRequired: () => new SmtpError(530, "5.7.0", "Authentication required"),
  // RFC 4954 6: 530 asks for AUTH; the login this session had no longer stands.
  authRevoked: () =>
    new SmtpError(530, "5.7.0", "Authentication required: the account's password has changed"),
  authFailed: () => new SmtpError(535, "5.7.8", "Authentication credentials invalid"),
  authNeedsTls: () =>
    new SmtpError(538, "5.7.11", "Encryption required for requested authentication mechanism"),
  authCancelled: () => new SmtpError(501, "5.0.0", "Authentication cancelled"),
  authBadMechanism: () => new SmtpError(504, "5.5.4", "Unrecognized authentication type"),
  authMalformed: (detail: string) =>
    new SmtpError(501, "5.5.2", `Cannot decode AUTH response: ${detail}`),
  authLineTooLong: () => new SmtpError(500, "5.5.6", "Authentication exchange line is too long"),
  alreadyAuthenticated: () => new SmtpError(503, "5.5.1", "Already authenticated"),
  authTemporarilyBlocked: () =>
    new SmtpError(454, "4.7.0", "Too many failed logins, try again later", { closeAfter: true }),
  senderNotOwned: () =>
    new SmtpError(553, "5.7.1", "Sender address not owned by authenticated user"),
  // RFC 3207
  tlsNotAvailable: () => new SmtpError(454, "4.7.0", "TLS not available"),
  tlsNotConfigured: () => new SmtpError(502, "5.5.1", "STARTTLS not available"),
  tlsAlreadyActive: () => new SmtpError(503, "5.5.1", "TLS already active"),
} as const;
