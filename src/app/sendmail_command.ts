/**
 * `pillarbox sendmail [-t] [-i] [-f SENDER] [RCPT ...]`: the sendmail
 * interface local programs expect. The message comes on stdin (LF or CRLF);
 * it is queued directly with `spool.accept` (the same durable, process-safe
 * queue the server uses), so it works whether or not a server runs. A
 * running server hears of it through a wake request (`queue/wake/<qid>`),
 * and rescans the queue every 10 s in any case. `-bs` speaks SMTP on stdin
 * and stdout instead (see sendmail_smtp_mode.ts).
 *
 * Exit status as sendmail (sysexits.h): 0 queued, 64 usage (bad option, no
 * or bad recipients), 65 unusable data, 74 unreadable stdin,
 * 75 temporary failure (try again).
 */
import { userInfo } from "node:os";
import { Directory } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { Logger } from "../log/mod.ts";
import { parseAddressList, prepareLocalMessage } from "../mail/mod.ts";
import { submitLocal } from "../pickup/mod.ts";
import { ownerToGive, requestWake, Spool, WAKE_ALL } from "../spool/mod.ts";
import { runSmtpMode } from "./sendmail_smtp_mode.ts";
import { dsnOption, type SendmailDsn } from "./sendmail_dsn.ts";

/** sysexits.h codes sendmail callers understand. */
export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
/** Input/output error: stdin could not be read (a directory, a failing pipe). */
export const EX_IOERR = 74;
export const EX_TEMPFAIL = 75;

/** What `sendmail` needs from the command line. */
export interface SendmailOptions {
  config: Config;
  stdin: ReadableStream<Uint8Array>;
  err: (line: string) => void;
  /** Writes one line to stdout (`-bs` replies; default: console.log). */
  out?: (line: string) => void;
  /** The invoking user's login name (default: from the system). */
  loginName?: string;
}

/** Parsed sendmail options. */
export interface SendmailArgs {
  /** `-bs`: an SMTP dialogue on stdin and stdout instead of one message. */
  isSmtpMode: boolean;
  /** `-q` (with any glued interval or selector): try every queued message now. */
  isQueueRun: boolean;
  isExtractingRecipients: boolean;
  isDotEnding: boolean;
  sender?: string;
  /** `-F NAME`: the sender's full name, for a From header the command adds. */
  fullName?: string;
  /** `-N`, `-R`, `-V`: the DSN requests (RFC 3461), as sendmail takes them. */
  dsn?: SendmailDsn;
  rcpts: string[];
}

/** Letters without a value: -t and -i act, the others are accepted and ignored. */
const NO_VALUE = new Set(["t", "i", "v", "U", "G", "m", "n", "s"]);
/** Letters whose value is the rest of the word (`-oi`, `-bm`, `-odi`, `-oem`, `-Am`, `-q30m`). */
const GLUED_VALUE = new Set(["o", "b", "d", "e", "A", "q"]);
/** Letters that take a value (glued on or the next word), ignored but -f/-r, -F, -N, -R, -V. */
const WITH_VALUE = new Set(["f", "r", "F", "B", "N", "R", "V", "X", "L", "h", "C", "O", "p"]);

/**
 * Parses sendmail's argv as sendmail and Postfix do (getopt): letters may be
 * grouped (`-ti`, `-tfroot`), a letter's value may be glued on or be the next
 * word. The first word that is not an option starts the recipients. Returns
 * a usage problem as a string.
 */
export function parseSendmailArgs(words: readonly string[]): SendmailArgs | string {
  const args: SendmailArgs = {
    isSmtpMode: false,
    isQueueRun: false,
    isExtractingRecipients: false,
    isDotEnding: true,
    rcpts: [],
  };
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith("-") || word === "-") break;
    for (let j = 1; j < word.length; j++) {
      const letter = word[j] as string;
      const rest = word.slice(j + 1);
      if (NO_VALUE.has(letter)) {
        if (letter === "t") args.isExtractingRecipients = true;
        if (letter === "i") args.isDotEnding = false;
        continue;
      }
      if (GLUED_VALUE.has(letter)) {
        if (letter === "o" && rest === "i") args.isDotEnding = false;
        if (letter === "q") args.isQueueRun = true;
        if (letter === "b" && rest === "s") args.isSmtpMode = true;
        else if (letter === "b" && rest !== "m") {
          return `Unsupported mode "-b${rest}" (only -bm, send mail, and -bs, SMTP on stdin)`;
        }
      } else if (WITH_VALUE.has(letter)) {
        const value = rest !== "" ? rest : words[++i];
        if (value === undefined) return `Option -${letter} needs a value`;
        if (letter === "f" || letter === "r") args.sender = value;
        if (letter === "F") args.fullName = value;
        if (letter === "N" || letter === "R" || letter === "V") {
          const dsn = dsnOption(letter, value, args.dsn ?? {});
          if (typeof dsn === "string") return dsn;
          args.dsn = dsn;
        }
      } else {
        return `Unknown option "-${letter}"`;
      }
      break; // the rest of the word was this letter's value
    }
  }
  args.rcpts = words.slice(i).filter((word) => word !== "");
  return args;
}

/** Reads stdin; without -i a line holding a single "." ends the message there. */
async function readMessage(
  stdin: ReadableStream<Uint8Array>,
  options: { isDotEnding: boolean; maxBytes: number },
): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  const decoder = new TextDecoder("latin1");
  let total = 0;
  let tail = "\n"; // the start of input counts as a line start
  for await (const chunk of stdin) {
    chunks.push(chunk);
    total += chunk.length;
    if (total > options.maxBytes) return null;
    if (!options.isDotEnding) continue;
    const seen = tail + decoder.decode(chunk);
    const match = /\n\.\r?\n/.exec(seen);
    if (match) return concatChunks(chunks).subarray(0, total - seen.length + match.index + 1);
    tail = seen.slice(-3);
  }
  const bytes = concatChunks(chunks);
  if (options.isDotEnding && /\n\.\r?$/.test("\n" + decoder.decode(bytes.subarray(-3)))) {
    return bytes.subarray(0, bytes.lastIndexOf(46));
  }
  return bytes;
}

function concatChunks(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function systemLoginName(): string {
  try {
    return userInfo().username;
  } catch {
    return "nobody";
  }
}

/** Runs `pillarbox sendmail`; `words` start after "sendmail". */
export async function runSendmailCommand(
  words: string[],
  options: SendmailOptions,
): Promise<number> {
  const { config, err } = options;
  const fail = (status: number, message: string) => {
    err(`pillarbox sendmail: ${message}`);
    return status;
  };
  const args = parseSendmailArgs(words);
  if (typeof args === "string") {
    err(`pillarbox sendmail: ${args}`);
    err("Usage: pillarbox sendmail [-t] [-i] [-f SENDER] [RCPT ...]");
    return EX_USAGE;
  }
  if (args.isQueueRun) {
    // As Postfix's `sendmail -q` (postqueue -f): a running server tries every message now.
    return await requestWake(config.spoolDir, WAKE_ALL).then(
      () => EX_OK,
      (error) => fail(EX_TEMPFAIL, `Cannot ask for a queue run: ${detailOf(error)}`),
    );
  }
  const defaultDomain = config.domains[0] ?? "localhost";
  const loginName = (options.loginName ?? systemLoginName()).toLowerCase();
  const queue = queueFor(config, {
    fallbackSender: /^[a-z0-9._+-]+$/.test(loginName) ? `${loginName}@${defaultDomain}` : "",
  });
  if (args.isSmtpMode) {
    const out = options.out ?? ((line: string) => console.log(line));
    try {
      return await runSmtpMode({
        stdin: options.stdin,
        reply: (line) => out(`${line}\r`), // the caller's line break follows: CRLF
        hostname: config.hostname,
        defaultDomain,
        maxMessageBytes: config.maxMessageBytes,
        queue: (bytes, envelope) =>
          queue(bytes, {
            ...envelope,
            isExtractingRecipients: false,
            senderFullName: args.fullName,
          }).then((result) =>
            "qid" in result
              ? result
              : { error: result.error, isTemporary: result.status === EX_TEMPFAIL }
          ),
      });
    } catch (error) {
      return fail(EX_IOERR, `Cannot read the message: ${detailOf(error)}`);
    }
  }
  let sender: string | undefined;
  if (args.sender !== undefined) {
    const trimmed = args.sender.trim();
    if (trimmed === "" || trimmed === "<>") sender = "";
    else {
      const list = parseAddressList(trimmed, { defaultDomain });
      if (!Array.isArray(list) || list.length !== 1) {
        return fail(EX_USAGE, `Bad sender address "${args.sender}"`);
      }
      sender = list[0]!.address;
    }
  }
  let bytes: Uint8Array | null;
  try {
    bytes = await readMessage(options.stdin, {
      isDotEnding: args.isDotEnding,
      maxBytes: config.maxMessageBytes * 2,
    });
  } catch (error) {
    return fail(EX_IOERR, `Cannot read the message: ${detailOf(error)}`);
  }
  if (bytes === null) return fail(EX_DATAERR, "The message is larger than the size limit");
  const result = await queue(bytes, {
    isExtractingRecipients: args.isExtractingRecipients,
    rcpts: args.rcpts,
    sender,
    senderFullName: args.fullName,
    dsn: args.dsn,
  });
  return "qid" in result ? EX_OK : fail(result.status, result.error);
}

/** One message's envelope as the command line or an SMTP transaction gave it. */
interface LocalEnvelope {
  isExtractingRecipients: boolean;
  rcpts: string[];
  sender: string | undefined;
  senderFullName?: string;
  dsn?: SendmailDsn;
}

type Queued = { qid: string } | { status: number; error: string };

/** Prepares and queues one message; the spool and directory are opened at the first. */
function queueFor(
  config: Config,
  options: { fallbackSender: string },
): (bytes: Uint8Array, envelope: LocalEnvelope) => Promise<Queued> {
  const defaultDomain = config.domains[0] ?? "localhost";
  let opened: Promise<{ spool: Spool; directory: Directory }> | null = null;
  const open = async () => {
    const log = new Logger({ level: "warn", format: config.logFormat });
    // Run as root (cron) on the service user's spool: the message must be that user's.
    const owner = await ownerToGive(config.spoolDir);
    const spool = await Spool.open({ spoolDir: config.spoolDir, log, isSweeping: false, owner });
    const directory = new Directory({
      usersFile: config.usersFile,
      aliasesFile: config.aliasesFile,
      domains: config.domains,
    });
    await directory.load();
    return { spool, directory };
  };
  return async (bytes, envelope) => {
    const { dsn, ...local } = envelope;
    const prepared = prepareLocalMessage(bytes, {
      ...local,
      fallbackSender: options.fallbackSender,
      defaultDomain,
      hostname: config.hostname,
      nowMs: Date.now(),
      maxMessageBytes: config.maxMessageBytes,
    });
    if ("error" in prepared) {
      return { status: prepared.kind === "usage" ? EX_USAGE : EX_DATAERR, error: prepared.error };
    }
    try {
      opened ??= open();
      const { spool, directory } = await opened.catch((error) => {
        opened = null; // tried again for the next message
        throw error;
      });
      const qid = await submitLocal(prepared, {
        spool,
        directory,
        hostname: config.hostname,
        source: "sendmail",
        dsn,
      });
      await requestWake(config.spoolDir, qid).catch(() => {});
      return { qid };
    } catch (error) {
      return { status: EX_TEMPFAIL, error: `Cannot queue the message: ${detailOf(error)}` };
    }
  };
}

function detailOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
