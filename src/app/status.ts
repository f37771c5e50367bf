/** The status page's gauges (connections, queue, memory) and its listener. */
import { type Config, formatHostPort, type ListenAddress } from "../config/mod.ts";
import { type Metrics, startStatusServer } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { ConnectionSlots, Listener } from "../net/mod.ts";
import type { Spool } from "../spool/mod.ts";
import { VERSION } from "./version.ts";

/** Starts the status page with gauges for connections, the queue and memory. */
export async function startStatus(
  config: Config,
  address: ListenAddress,
  parts: {
    metrics: Metrics;
    listeners: ReadonlyMap<string, Listener>;
    spool: Spool;
    log: Logger;
    slots?: ConnectionSlots;
  },
) {
  const { metrics } = parts;
  for (const [proto, listener] of parts.listeners) {
    metrics.addGauge({
      name: "pillarbox_open_connections",
      help: "Sessions open now, per listener",
      labels: { listener: proto },
      read: () => listener.activeConnections,
    });
  }
  metrics.addGauge({
    name: "pillarbox_queue_messages",
    help: "Messages waiting in the queue",
    read: async () => (await parts.spool.list()).length,
  });
  metrics.addGauge({
    name: "pillarbox_resident_memory_bytes",
    help: "Resident set size",
    read: () => Deno.memoryUsage().rss,
  });
  metrics.addGauge({
    name: "pillarbox_heap_used_bytes",
    help: "JavaScript heap in use",
    read: () => Deno.memoryUsage().heapUsed,
  });
  metrics.addGauge({
    name: "pillarbox_heap_total_bytes",
    help: "JavaScript heap reserved",
    read: () => Deno.memoryUsage().heapTotal,
  });
  metrics.addGauge({
    name: "pillarbox_external_memory_bytes",
    help: "Memory held outside the heap (buffers)",
    read: () => Deno.memoryUsage().external,
  });
  const status = await startStatusServer(address, {
    metrics,
    hostname: config.hostname,
    version: VERSION,
    log: parts.log,
    slots: parts.slots,
  });
  parts.log.info("listen", {
    proto: "http",
    addr: formatHostPort(status),
    port: status.port,
  });
  return status;
}
