/**
 * `sendmail -bs`: an SMTP dialogue on stdin and stdout, as sendmail, Postfix
 * and Exim offer it. PHP's Symfony Mailer and Laravel (`/usr/sbin/sendmail
 * -bs`) and SwiftMailer send this way by default: they speak SMTP to the
 * command's pipes instead of to a socket. Each message taken with DATA is
 * queued the way `sendmail` queues one from stdin, to the RCPT recipients,
 * from the MAIL sender. No AUTH or STARTTLS: the caller is a local user.
 */
import { parseAddressList } from "../mail/mod.ts";
import { fromLatin1, toLatin1 } from "../mail/latin1.ts";

const utf8 = new TextDecoder();

/** What a DATA transaction queues; resolves with the qid or a refusal. */
export type QueueMessage = (
  bytes: Uint8Array,
  envelope: { sender: string; rcpts: string[] },
) => Promise<{ qid: string } | { error: string; isTemporary: boolean }>;

/** What the dialogue needs. */
export interface SmtpModeOptions {
  stdin: ReadableStream<Uint8Array>;
  /** Writes one reply line; the caller ends it with a line break. */
  reply: (line: string) => void;
  hostname: string;
  defaultDomain: string;
  maxMessageBytes: number;
  queue: QueueMessage;
}

/**
 * Lines of `stdin`, one char per byte, without their LF (a CR before it is
 * kept). A line keeps at most `maxOctets` octets, the rest is read and
 * dropped: held whole, a line without an end grew without bound (and was
 * searched again from its start at each chunk).
 */
async function* linesOf(
  stdin: ReadableStream<Uint8Array>,
  maxOctets: number,
): AsyncGenerator<string> {
  let parts: string[] = [];
  let kept = 0;
  const keep = (bytes: Uint8Array) => {
    const piece = bytes.subarray(0, Math.max(0, maxOctets - kept));
    if (piece.length === 0) return;
    parts.push(toLatin1(piece));
    kept += piece.length;
  };
  for await (const chunk of stdin) {
    let start = 0;
    let end: number;
    while ((end = chunk.indexOf(0x0a, start)) >= 0) {
      keep(chunk.subarray(start, end));
      yield parts.join("");
      parts = [];
      kept = 0;
      start = end + 1;
    }
    keep(chunk.subarray(start));
  }
  if (parts.length > 0) yield parts.join("");
}

/** The address in a MAIL FROM:<...> or RCPT TO:<...> argument ("" for <>), or null. */
function pathArgument(text: string, keyword: string, defaultDomain: string): string | null {
  const match = new RegExp(`^${keyword}:\\s*(<[^>]*>|\\S+)`, "i").exec(text);
  if (!match) return null;
  const inner = (match[1] as string).replace(/^<(.*)>$/, "$1");
  if (inner === "") return "";
  const list = parseAddressList(inner.replace(/^@[^:]*:/, ""), { defaultDomain });
  return Array.isArray(list) && list.length === 1 ? list[0]!.address : null;
}

/** Runs the dialogue until QUIT or the end of stdin; returns the exit status (0). */
export async function runSmtpMode(options: SmtpModeOptions): Promise<number> {
  const { reply } = options;
  let sender: string | null = null;
  let rcpts: string[] = [];
  let data: string[] | null = null;
  let dataOctets = 0;
  reply(`220 ${options.hostname} ESMTP Pillarbox (sendmail -bs)`);
  // A line longer than the size limit makes its message too large however it ends.
  for await (const raw of linesOf(options.stdin, options.maxMessageBytes + 1)) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (data !== null) {
      if (line !== ".") {
        // RFC 5321 4.5.2: the sender doubled a leading dot; take one away.
        const text = line.startsWith(".") ? line.slice(1) : line;
        dataOctets += text.length + 2;
        if (dataOctets <= options.maxMessageBytes) data.push(text);
        continue;
      }
      const lines = data;
      data = null;
      if (dataOctets > options.maxMessageBytes) {
        reply(`552 5.3.4 The message is larger than ${options.maxMessageBytes} bytes`);
      } else {
        const result = await options.queue(fromLatin1(lines.join("\r\n") + "\r\n"), {
          sender: sender ?? "",
          rcpts,
        });
        if ("qid" in result) reply(`250 2.0.0 Ok: queued as ${result.qid}`);
        else if (result.isTemporary) reply(`451 4.3.0 ${result.error}`);
        else reply(`554 5.6.0 ${result.error}`);
      }
      sender = null;
      rcpts = [];
      continue;
    }
    const verb = line.split(" ", 1)[0]!.toUpperCase();
    // Commands are read as UTF-8: an address may hold it (RFC 6531 3.3).
    const rest = utf8.decode(fromLatin1(line.slice(verb.length).trim()));
    if (verb === "EHLO" || verb === "HELO") {
      // RFC 5321 4.1.4: a later EHLO or HELO clears the transaction as RSET does.
      sender = null;
      rcpts = [];
    }
    if (verb === "EHLO") {
      reply(`250-${options.hostname}`);
      reply(`250-SIZE ${options.maxMessageBytes}`);
      reply("250-8BITMIME");
      reply("250 SMTPUTF8");
    } else if (verb === "HELO") {
      reply(`250 ${options.hostname}`);
    } else if (verb === "MAIL") {
      const address = pathArgument(rest, "FROM", options.defaultDomain);
      // RFC 1870 6.1: a declared size over the limit is refused now, not after it is sent.
      const size = Number(/\sSIZE=(\d+)/i.exec(rest)?.[1] ?? 0);
      if (sender !== null) reply("503 5.5.1 Sender already given");
      else if (address === null) reply("501 5.1.7 Bad sender address syntax");
      else if (size > options.maxMessageBytes) {
        reply(`552 5.3.4 The message is larger than ${options.maxMessageBytes} bytes`);
      } else {
        sender = address;
        reply("250 2.1.0 Ok");
      }
    } else if (verb === "RCPT") {
      const address = pathArgument(rest, "TO", options.defaultDomain);
      if (sender === null) reply("503 5.5.1 MAIL first");
      else if (!address) reply("501 5.1.3 Bad recipient address syntax");
      else {
        rcpts.push(address);
        reply("250 2.1.5 Ok");
      }
    } else if (verb === "DATA") {
      if (sender === null || rcpts.length === 0) reply("503 5.5.1 RCPT first");
      else {
        data = [];
        dataOctets = 0;
        reply("354 End data with <CR><LF>.<CR><LF>");
      }
    } else if (verb === "RSET") {
      sender = null;
      rcpts = [];
      reply("250 2.0.0 Ok");
    } else if (verb === "NOOP") {
      reply("250 2.0.0 Ok");
    } else if (verb === "VRFY") {
      reply("252 2.5.0 Send some mail, I'll try my best");
    } else if (verb === "QUIT") {
      reply(`221 2.0.0 ${options.hostname} closing`);
      return 0;
    } else {
      reply("500 5.5.2 Command not recognized");
    }
  }
  return 0;
}
