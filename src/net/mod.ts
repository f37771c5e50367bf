/** Sockets: listeners with limits, a buffered CRLF line reader, TLS upgrade. */
export { Connection } from "./connection.ts";
export { LARGE_WRITE_SLICE_BYTES, OUTPUT_HIGH_WATER_BYTES } from "./buffer_limits.ts";
export { clientKey, normaliseIp } from "./ip_text.ts";
export { AddressCounts, perAddressLimit } from "./address_counts.ts";
export type { ByteConsumer, LineRead } from "./connection.ts";
export { MAX_TIMER_MS } from "./idle_timer.ts";
export { startListener } from "./listener.ts";
export { ConnectionSlots } from "./connection_slots.ts";
export type { ConnectionSlotsOptions } from "./connection_slots.ts";
export type { ListenAddress, Listener, ListenerOptions } from "./listener.ts";
export type { TlsContextProvider } from "./tls_context.ts";
export { loadTlsSettings } from "./tls_settings.ts";
