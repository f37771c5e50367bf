/**
 * Counters fed by the log tap (every event is one log line, so the log is
 * also the metrics source) and gauges read when the page is scraped.
 */
import type { LogFields } from "../log/mod.ts";

/** Events counted, with their metric name and help text. */
const COUNTED: Record<string, { name: string; help: string }> = {
  "smtp.connect": { name: "pillarbox_smtp_connections_total", help: "SMTP connections accepted" },
  "msg.queued": {
    name: "pillarbox_messages_accepted_total",
    help: "Messages accepted (any source)",
  },
  "msg.delivered": { name: "pillarbox_deliveries_total", help: "Recipients delivered" },
  "msg.deferred": {
    name: "pillarbox_deferrals_total",
    help: "Recipients deferred (transient failure)",
  },
  "msg.failed": { name: "pillarbox_failures_total", help: "Recipients failed permanently" },
  "msg.expired": {
    name: "pillarbox_expired_total",
    help: "Recipients given up after the queue lifetime (bounced)",
  },
  "smtp.data_refused": {
    name: "pillarbox_messages_refused_total",
    help: "Messages refused at end of data",
  },
  "smtp.rcpt_refused": { name: "pillarbox_recipients_refused_total", help: "RCPTs refused" },
  "auth.failed": { name: "pillarbox_auth_failures_total", help: "Failed logins (all protocols)" },
};

/** A gauge read at scrape time. */
export interface Gauge {
  name: string;
  help: string;
  labels?: Record<string, string>;
  read: () => number | Promise<number>;
}

/** The process's metrics. */
export class Metrics {
  readonly #counts = new Map<string, number>();
  readonly #gauges: Gauge[] = [];
  /** When the process started counting, by performance.now() (a clock set back stays out of uptime). */
  readonly startedMs = performance.now();

  /** The log tap: counts the events listed in `COUNTED`. */
  readonly observe = (event: string, _fields: LogFields): void => {
    if (event in COUNTED) this.#counts.set(event, (this.#counts.get(event) ?? 0) + 1);
  };

  /** How many times `event` was seen. */
  count(event: string): number {
    return this.#counts.get(event) ?? 0;
  }

  addGauge(gauge: Gauge): void {
    this.#gauges.push(gauge);
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [event, { name, help }] of Object.entries(COUNTED)) {
      lines.push(
        `# HELP ${name} ${escapeHelp(help)}`,
        `# TYPE ${name} counter`,
        `${name} ${this.count(event)}`,
      );
    }
    const seen = new Set<string>();
    for (const gauge of this.#gauges) {
      if (!seen.has(gauge.name)) {
        seen.add(gauge.name);
        lines.push(`# HELP ${gauge.name} ${escapeHelp(gauge.help)}`, `# TYPE ${gauge.name} gauge`);
      }
      const labels = Object.entries(gauge.labels ?? {})
        .map(([k, v]) => `${k}="${escapeHelp(v).replaceAll('"', '\\"')}"`)
        .join(",");
      lines.push(`${gauge.name}${labels ? `{${labels}}` : ""} ${await gauge.read()}`);
    }
    return lines.join("\n") + "\n";
  }
}

/**
 * HELP text as the text format 0.0.4 writes it: backslash and line feed
 * escaped (a label value escapes its double quotes too).
 */
function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}
