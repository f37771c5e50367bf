/** The SMTP server: sessions, the command table, policy and DATA/BDAT intake. */
export { startSmtpServer } from "./server.ts";
export { SmtpSession } from "./session.ts";
export { COMMANDS } from "./commands.ts";
export type { CommandSpec, SessionStage } from "./commands.ts";
export type { SmtpListenerKind, SmtpServerOptions } from "./options.ts";
