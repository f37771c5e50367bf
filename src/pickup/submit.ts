/**
 * The one path into the queue for local programs (pickup folder and
 * `pillarbox sendmail`): recipients resolved through the directory (aliases
 * expanded as at SMTP RCPT), a `Received: by <host> (Pillarbox) id <qid>`
 * trace header, then `spool.accept`.
 *
 * An unknown local recipient is kept: delivery fails it with 5.1.1 and the
 * sender gets a bounce, as sendmail does for local submissions.
 */
import { type Directory, normalizeAddress } from "../auth/mod.ts";
import { formatReceived } from "../mail/mod.ts";
import type { DsnReturn, NotifyWord } from "../smtp/mod.ts";
import type { MessageSource, Spool } from "../spool/mod.ts";

/** A prepared local message (see `prepareLocalMessage`). */
export interface LocalSubmission {
  from: string;
  rcpts: readonly string[];
  message: Uint8Array;
  is8bit: boolean;
  isSmtputf8: boolean;
}

/** Where and how to submit. */
export interface SubmitOptions {
  spool: Spool;
  directory: Directory;
  hostname: string;
  source: Extract<MessageSource, "pickup" | "sendmail">;
  /** Queue it held under this name (see `AcceptRequest.heldName`). */
  heldName?: string;
  /**
   * `sendmail -N/-R/-V`: NOTIFY for every recipient (each final one, aliases
   * expanded), RET, and ENVID as xtext (RFC 3461 5.3: a local sender's requests).
   */
  dsn?: { notify?: readonly NotifyWord[]; ret?: DsnReturn; envid?: string };
}

/**
 * Final recipients: local accounts and forwards from aliases, remote and unknown as given.
 * `isStaleRefused`: throw for an unknown local recipient while the users or aliases file
 * could not be read as it is now (the address may be new there): the caller tries later.
 */
export async function resolveLocalRecipients(
  directory: Directory,
  rcpts: readonly string[],
  options: { isStaleRefused?: boolean } = {},
): Promise<string[]> {
  // Keyed normalized, as the SMTP transaction dedups: one copy per mailbox however written
  // (any case, the domain in U-labels or A-labels).
  const targets = new Map<string, string>();
  const add = (target: string) => {
    const key = normalizeAddress(target);
    if (!targets.has(key)) targets.set(key, target);
  };
  for (const rcpt of rcpts) {
    const verdict = await directory.resolveRecipient(rcpt);
    if (verdict.kind === "local") {
      for (const target of verdict.mailboxes) add(target);
      for (const target of verdict.forwards ?? []) add(target);
      for (const target of verdict.unknownTargets ?? []) add(target);
    } else {
      if (verdict.kind === "unknown" && verdict.isStale && options.isStaleRefused) {
        throw new Error(
          `No account or alias <${rcpt}> in what was loaded before; the users or aliases ` +
            "file changed and could not be read (see auth.reload_failed)",
        );
      }
      add(rcpt);
    }
  }
  return [...targets.values()];
}

/** Queues `submission`; resolves with its qid once it is durable. */
export async function submitLocal(
  submission: LocalSubmission,
  options: SubmitOptions,
): Promise<string> {
  // A message for an address that the file being fixed may hold waits (a pickup file stays).
  const rcpts = await resolveLocalRecipients(options.directory, submission.rcpts, {
    isStaleRefused: true,
  });
  const { dsn } = options;
  const notify = dsn?.notify;
  return await options.spool.accept({
    envelope: {
      from: submission.from,
      rcpts,
      source: options.source,
      is8bit: submission.is8bit || undefined,
      isSmtputf8: submission.isSmtputf8 || undefined,
      ret: dsn?.ret,
      envid: dsn?.envid,
      rcptDsn: notify ? Object.fromEntries(rcpts.map((rcpt) => [rcpt, { notify }])) : undefined,
    },
    prefix: (qid) =>
      formatReceived({
        helo: "",
        clientIp: "",
        hostname: options.hostname,
        qid,
        protocol: "local",
        forRecipient: rcpts.length === 1 ? rcpts[0] : undefined,
      }),
    message: submission.message,
    heldName: options.heldName,
  });
}
