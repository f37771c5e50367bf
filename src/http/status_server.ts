/**
 * The status page (`--http-listen`): `/` a short text summary, `/metrics`
 * Prometheus text, `/healthz` "ok". Read-only and without secrets; bind it
 * to loopback or a management network.
 */
import type { ListenAddress } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "./metrics.ts";

/** A running status server. */
export interface StatusServer {
  readonly port: number;
  readonly hostname: string;
  close(): Promise<void>;
}

/** Serves the status page on `address`. */
export function startStatusServer(
  address: ListenAddress,
  options: { metrics: Metrics; hostname: string; version: string; log: Logger },
): Promise<StatusServer> {
  const { metrics } = options;
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: ({ port }) => {
        resolve({
          port,
          hostname: address.hostname,
          close: () => server.shutdown(),
        });
      },
      onError: (error) => {
        options.log.error("http.error", {
          error: error instanceof Error ? error.message : String(error),
        });
        return new Response("internal error\n", { status: 500 });
      },
    }, async (request) => {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("method not allowed\n", {
          status: 405,
          headers: { allow: "GET, HEAD" },
        });
      }
      const path = new URL(request.url).pathname;
      // Also for HEAD: Deno.serve sends the headers (Content-Length of the GET body,
      // RFC 9110 9.3.2 and 8.6) and drops the body itself.
      const text = (body: string, type = "text/plain; charset=utf-8") =>
        new Response(body, { headers: { "content-type": type } });
      switch (path) {
        case "/healthz":
          return text("ok\n");
        case "/metrics":
          return text(await metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        case "/": {
          const uptimeS = Math.round((Date.now() - metrics.startedMs) / 1000);
          return text(
            `Pillarbox ${options.version} on ${options.hostname}\n` +
              `uptime ${uptimeS}s\n` +
              `accepted ${metrics.count("msg.queued")} messages, delivered ${
                metrics.count("msg.delivered")
              }` +
              ` recipients, deferred ${metrics.count("msg.deferred")}, failed ${
                metrics.count("msg.failed")
              }\n` +
              "metrics: /metrics\n",
          );
        }
        default:
          return new Response("not found\n", { status: 404 });
      }
    });
  });
}
