/** The way out: the runner, its couriers and their outcomes. */
export { DeliveryRunner } from "./runner.ts";
export type { RunnerOptions } from "./runner_options.ts";
export { LocalCourier } from "./local_courier.ts";
export { sameOutcome } from "./outcome.ts";
export type { Courier, DeliveryOutcome } from "./outcome.ts";
export { initialState, QueueStateStore } from "./queue_state.ts";
export type { QueueState, RecipientState } from "./queue_state.ts";
export { longestRetryDelayMs, retryDelayMs } from "./backoff.ts";
export { immediateLocalDelivery } from "./immediate.ts";
export { RemoteCourier } from "./remote_courier.ts";
export type { RemoteCourierOptions } from "./remote_courier.ts";
export { NextHopResolver, orderMx, planHop } from "./next_hop.ts";
export type { HopPlan, NextHopOptions, Resolution, Target } from "./next_hop.ts";
