/** A delivery runner for tests: one courier for every recipient, remote domains only, quiet. */
import {
  type Courier,
  type DeliveryOutcome,
  DeliveryRunner,
  type RunnerOptions,
} from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import type { QueuedMessage, Spool } from "../../src/spool/mod.ts";

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

/** A courier that holds its attempts until `finish` is called (a slow remote server). */
export class SlowCourier implements Courier {
  readonly #started = Promise.withResolvers<void>();
  readonly #finished = Promise.withResolvers<void>();
  constructor(
    readonly outcome: DeliveryOutcome = {
      kind: "transient",
      reason: "451 4.3.0 later",
      status: "4.3.0",
    },
  ) {}
  get started(): Promise<void> {
    return this.#started.promise;
  }
  finish(): void {
    this.#finished.resolve();
  }
  async deliver(_message: QueuedMessage, rcpts: readonly string[]) {
    this.#started.resolve();
    await this.#finished.promise;
    return new Map(rcpts.map((rcpt) => [rcpt, this.outcome]));
  }
}
