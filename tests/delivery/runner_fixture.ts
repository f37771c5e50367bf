/** A delivery runner for tests: one courier for every recipient, remote domains only, quiet. */
import { type Courier, DeliveryRunner, type RunnerOptions } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import type { Spool } from "../../src/spool/mod.ts";

export const quiet = new Logger({ level: "error", format: "text", sink: () => {} });

/** A runner over `spool` delivering everything through `courier`; `options` override the rest. */
export function testRunner(
  spool: Spool,
  courier: Courier,
  options: Partial<RunnerOptions> & { spoolDir: string },
): DeliveryRunner {
  return new DeliveryRunner({
    spool,
    log: quiet,
    local: courier,
    remote: courier,
    isLocalDomain: () => false,
    retryDelayMs: () => 60_000,
    hostname: "mx.example.test",
    policy: { queueLifetimeMs: 86_400_000, delayWarningMs: 0 },
    ...options,
  });
}
