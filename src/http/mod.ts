/** The status page and metrics. */
export { Metrics } from "./metrics.ts";
export type { Gauge } from "./metrics.ts";
export { startStatusServer } from "./status_server.ts";
export type { StatusServer } from "./status_server.ts";
