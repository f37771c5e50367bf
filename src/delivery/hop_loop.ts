/**
 * A route or smarthost that is this server, and a login the smarthost
 * refuses: both our configuration's mistakes, not the message's.
 */
import type { Logger } from "../log/mod.ts";
import { SmtpClientError } from "../smtp_client/mod.ts";
import type { DeliveryOutcome } from "./outcome.ts";
import type { HopPlan, Target } from "./next_hop.ts";

/**
 * A route's or the smarthost's addresses, less those that are our own SMTP
 * or submission listener: mail sent there would come back to be sent there
 * again, until the Received count bounced it. (MX hosts are checked as RFC
 * 5321 5.1 says, in next_hop.ts.)
 */
export function withoutOwnListener(
  plan: HopPlan,
  targets: Target[],
  isOwn: ((address: string, port: number) => boolean) | undefined,
): Target[] {
  if (plan.kind === "mx" || !isOwn) return targets;
  return targets.filter((target) => !isOwn(target.address, target.port));
}

/**
 * The outcome for a route or smarthost that is this server: the mail waits
 * (4.4.6, a routing loop) and an error line names the flag to fix.
 */
export function hopLoop(plan: HopPlan, log: Logger): DeliveryOutcome {
  const flag = plan.kind === "smarthost" ? "--smarthost" : "--route";
  const reason = `${flag} ${plan.key.replace(/^[a-z]+:/, "")} is this server's own ` +
    `SMTP listener: mail sent there would loop back here`;
  log.error("smtp.hop_loop", { hop: plan.key, reason });
  return { kind: "transient", reason, status: "4.4.6" };
}

/** A 5xx to AUTH: the credentials (or the mechanism) were refused, not the connection. */
export function isLoginRefusal(error: unknown): boolean {
  return error instanceof SmtpClientError && error.stage === "AUTH" &&
    (error.reply?.code ?? 0) >= 500;
}
