/** The way out: the runner, its couriers and their outcomes. */
export { DeliveryRunner } from "./runner.ts";
export type { RunnerOptions } from "./runner.ts";
export { LocalCourier } from "./local_courier.ts";
export { sameOutcome } from "./outcome.ts";
export type { Courier, DeliveryOutcome } from "./outcome.ts";
export { initialState, QueueStateStore } from "./queue_state.ts";
export type { QueueState, RecipientState } from "./queue_state.ts";
export { HoldCourier } from "./hold_courier.ts";
export { retryDelayMs } from "./backoff.ts";
export { immediateLocalDelivery } from "./immediate.ts";
