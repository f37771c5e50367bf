/**
 * The command table: verb -> states it is allowed in -> handler. Adding a
 * command means adding a row.
 */
import { handleAuth, handlePass, handleUser, SASL_MECHANISMS } from "./auth.ts";
import {
  handleDele,
  handleList,
  handleRetr,
  handleRset,
  handleStat,
  handleTop,
  handleUidl,
  handleUpdate,
} from "./maildrop_commands.ts";
import { Pop3Error } from "./pop3_error.ts";
import { ok, type Pop3Reply } from "./reply.ts";
import type { Pop3Session } from "./session.ts";

/** RFC 1939 3: AUTHORIZATION until login, then TRANSACTION (UPDATE happens inside QUIT). */
export type Pop3State = "authorization" | "transaction";

/** One row of the command table. */
export interface Pop3CommandSpec {
  allowedIn: readonly Pop3State[];
  handle: (session: Pop3Session, arg: string) => Pop3Reply | Promise<Pop3Reply>;
}

const AUTHORIZATION: readonly Pop3State[] = ["authorization"];
const TRANSACTION: readonly Pop3State[] = ["transaction"];
const ANY: readonly Pop3State[] = ["authorization", "transaction"];

/** CAPA (RFC 2449): what this session can do right now. */
export function capabilities(session: Pop3Session): string[] {
  const lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
  if (session.state === "authorization") {
    if (session.mayLogin) lines.push("USER", `SASL ${SASL_MECHANISMS.join(" ")}`);
    if (session.mayStartTls) lines.push("STLS");
  }
  lines.push("IMPLEMENTATION Pillarbox");
  return lines;
}

/**
 * A row for a command defined with no arguments (RFC 1939 STAT, RSET, NOOP,
 * QUIT; RFC 2449 CAPA; RFC 2595 STLS): anything after the verb is -ERR,
 * before the handler changes a thing.
 */
function withoutArgs(verb: string, spec: Pop3CommandSpec): Pop3CommandSpec {
  return {
    allowedIn: spec.allowedIn,
    handle: (session, arg) => {
      if (arg.trim() !== "") throw new Pop3Error(`${verb} takes no arguments`);
      return spec.handle(session, arg);
    },
  };
}

function handleStls(session: Pop3Session): Pop3Reply {
  if (session.connection.tls !== null) throw new Pop3Error("TLS is already active");
  if (!session.mayStartTls) throw new Pop3Error("STLS is not available");
  return ok("Begin TLS negotiation", { after: "stls" });
}

/** Every command Pillarbox's POP3 server knows. */
export const COMMANDS = new Map<string, Pop3CommandSpec>([
  [
    "CAPA",
    withoutArgs("CAPA", {
      allowedIn: ANY,
      handle: (s) => ok("Capability list follows", { lines: capabilities(s) }),
    }),
  ],
  ["STLS", withoutArgs("STLS", { allowedIn: AUTHORIZATION, handle: handleStls })],
  ["USER", { allowedIn: AUTHORIZATION, handle: handleUser }],
  ["PASS", { allowedIn: AUTHORIZATION, handle: handlePass }],
  ["AUTH", { allowedIn: AUTHORIZATION, handle: handleAuth }],
  ["STAT", withoutArgs("STAT", { allowedIn: TRANSACTION, handle: handleStat })],
  ["LIST", { allowedIn: TRANSACTION, handle: handleList }],
  ["UIDL", { allowedIn: TRANSACTION, handle: handleUidl }],
  ["RETR", { allowedIn: TRANSACTION, handle: handleRetr }],
  ["TOP", { allowedIn: TRANSACTION, handle: handleTop }],
  ["DELE", { allowedIn: TRANSACTION, handle: handleDele }],
  ["RSET", withoutArgs("RSET", { allowedIn: TRANSACTION, handle: handleRset })],
  ["NOOP", withoutArgs("NOOP", { allowedIn: TRANSACTION, handle: () => ok("") })],
  [
    "QUIT",
    withoutArgs("QUIT", {
      allowedIn: ANY,
      handle: (s) =>
        s.state === "transaction"
          ? handleUpdate(s)
          : ok(`${s.options.hostname} signing off`, { closeAfter: true }),
    }),
  ],
]);
