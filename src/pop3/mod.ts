/** The POP3 server (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034). */
export { startPop3Server } from "./server.ts";
export type { Pop3ServerOptions } from "./options.ts";
export { Pop3Error } from "./pop3_error.ts";
export type { Pop3ResponseCode } from "./pop3_error.ts";
export { uidlFor } from "./uidl.ts";
