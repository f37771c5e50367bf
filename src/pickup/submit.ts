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
import { aliasTargetDsn, type DsnReturn, type NotifyWord, type RecipientDsn } from "../smtp/mod.ts";
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
   * `sendmail -N/-R/-V`: NOTIFY for every recipient (passed on by aliases as
   * at SMTP RCPT), RET, and ENVID as xtext (RFC 3461 5.3: a local sender's requests).
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
  return finalRecipients(await resolveEach(directory, rcpts, options)).rcpts;
}

/** One recipient as given and the final recipients it stands for. */
interface Resolved {
  rcpt: string;
  targets: string[];
}

/** Each recipient with its targets (see `resolveLocalRecipients`). */
async function resolveEach(
  directory: Directory,
  rcpts: readonly string[],
  options: { isStaleRefused?: boolean },
): Promise<Resolved[]> {
  const resolved: Resolved[] = [];
  for (const rcpt of rcpts) {
    const verdict = await directory.resolveRecipient(rcpt);
    if (verdict.kind === "local") {
      const targets = [
        ...verdict.mailboxes,
        ...(verdict.forwards ?? []),
        ...(verdict.unknownTargets ?? []),
      ];
      resolved.push({ rcpt, targets });
      continue;
    }
    if (verdict.kind === "unknown" && verdict.isStale && options.isStaleRefused) {
      throw new Error(
        `No account or alias <${rcpt}> in what was loaded before; the users or aliases ` +
          "file changed and could not be read (see auth.reload_failed)",
      );
    }
    resolved.push({ rcpt, targets: [rcpt] });
  }
  return resolved;
}

/**
 * The final recipients, each once however written (any case, the domain in
 * U-labels or A-labels), as the SMTP transaction takes them; with `notify`
 * (sendmail -N), what each carries and the aliases to report "expanded", as
 * an alias passes a RCPT's NOTIFY on (RFC 3461 5.2.7.3, `aliasTargetDsn`).
 */
function finalRecipients(
  resolved: readonly Resolved[],
  notify?: readonly NotifyWord[],
): {
  rcpts: string[];
  rcptDsn?: Record<string, RecipientDsn>;
  expanded?: { rcpt: string }[];
} {
  const targets = new Map<string, string>();
  const rcptDsn: Record<string, RecipientDsn> = {};
  const expanded = new Map<string, { rcpt: string }>();
  for (const { rcpt, targets: own } of resolved) {
    let carried: RecipientDsn | null = null;
    if (notify) {
      const isAlias = own.length !== 1 || normalizeAddress(own[0]!) !== normalizeAddress(rcpt);
      const asked = { notify: [...notify] };
      const alias = isAlias ? aliasTargetDsn(rcpt, asked, { targetCount: own.length }) : null;
      carried = alias?.carried ?? asked;
      const key = normalizeAddress(rcpt);
      if (alias?.isExpanded && !expanded.has(key)) expanded.set(key, { rcpt });
    }
    for (const target of own) {
      const key = normalizeAddress(target);
      if (targets.has(key)) continue;
      targets.set(key, target);
      if (carried) rcptDsn[target] = carried;
    }
  }
  if (!notify) return { rcpts: [...targets.values()] };
  return {
    rcpts: [...targets.values()],
    rcptDsn,
    ...(expanded.size > 0 ? { expanded: [...expanded.values()] } : {}),
  };
}

/** Queues `submission`; resolves with its qid once it is durable. */
export async function submitLocal(
  submission: LocalSubmission,
  options: SubmitOptions,
): Promise<string> {
  // A message for an address that the file being fixed may hold waits (a pickup file stays).
  const resolved = await resolveEach(options.directory, submission.rcpts, {
    isStaleRefused: true,
  });
  const { dsn } = options;
  const { rcpts, rcptDsn, expanded } = finalRecipients(resolved, dsn?.notify);
  return await options.spool.accept({
    envelope: {
      from: submission.from,
      rcpts,
      source: options.source,
      is8bit: submission.is8bit || undefined,
      isSmtputf8: submission.isSmtputf8 || undefined,
      ret: dsn?.ret,
      envid: dsn?.envid,
      rcptDsn,
      expanded,
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
