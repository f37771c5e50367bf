/** Starts an SMTP listener (port 25 MX, 587 submission, 465 submissions) running `SmtpSession`s. */
import {
  type AddressCounts,
  type ConnectionSlots,
  type ListenAddress,
  type Listener,
  startListener,
} from "../net/mod.ts";
import { formatReply, Refusal } from "../smtp/mod.ts";
import { authEhloKeywords } from "./auth.ts";
import type { SmtpServerOptions } from "./options.ts";
import { SmtpSession } from "./session.ts";
import { starttlsEhloKeywords } from "./starttls.ts";
import { checkSubmissionSender } from "./submission_policy.ts";

/**
 * Binds `address` and serves SMTP on it with `options`. STARTTLS and AUTH
 * keywords and the submission sender policy are added here, before any
 * `extraEhloKeywords`/`checkSender` the caller passes. Kind "submissions"
 * speaks implicit TLS and needs `tlsContext`.
 */
export function startSmtpServer(
  address: ListenAddress,
  options: SmtpServerOptions & {
    maxConnections: number;
    slots?: ConnectionSlots;
    perAddress?: AddressCounts;
  },
): Promise<Listener> {
  const { extraEhloKeywords, checkSender, tlsContext } = options;
  if (options.kind === "submissions" && !tlsContext) {
    throw new Error("The submissions listener needs a TLS context");
  }
  const sessionOptions: SmtpServerOptions = {
    ...options,
    extraEhloKeywords: (session) => [
      ...starttlsEhloKeywords(session),
      ...authEhloKeywords(session),
      ...(extraEhloKeywords?.(session) ?? []),
    ],
    checkSender: async (session, from) => {
      await checkSubmissionSender(session, from);
      await checkSender?.(session, from);
    },
  };
  return startListener(address, {
    name: options.kind,
    maxConnections: options.maxConnections,
    slots: options.slots,
    perAddress: options.perAddress,
    idleTimeoutMs: options.idleTimeoutMs,
    busyLine: formatReply(Refusal.tooManyConnections().toReply()),
    log: options.log,
    tls: options.kind === "submissions" && tlsContext ? tlsContext : undefined,
    onConnection: (connection) => new SmtpSession(connection, sessionOptions).run(),
  });
}
