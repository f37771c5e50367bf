/** Sockets: listeners with limits, a buffered CRLF line reader, TLS upgrade. */
export { Connection, normaliseIp } from "./connection.ts";
export type { ByteConsumer, LineRead } from "./connection.ts";
export { MAX_TIMER_MS } from "./idle_timer.ts";
export { startListener } from "./listener.ts";
export type { ListenAddress, Listener, ListenerOptions } from "./listener.ts";
export { TlsConfigError, TlsContextProvider } from "./tls_context.ts";
