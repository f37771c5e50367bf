/**
 * The one way the end-to-end tests send mail with a client nobody here wrote:
 * Python's smtplib, several messages over one connection.
 */
import { python } from "./harness.ts";

const SEND = `
import base64, json, smtplib, sys
job = json.load(open(sys.argv[1]))
results = []
with smtplib.SMTP(job["host"], job["port"], timeout=30) as s:
    if job["ehloName"] is not None:
        s.ehlo(job["ehloName"])
    for body in job["messages"]:
        refused = s.sendmail(job["from"], job["rcpts"], base64.b64decode(body), mail_options=job["mailOptions"], rcpt_options=job["rcptOptions"])
        results.append(sorted(refused))
print(json.dumps(results))
`;

/** What to send, and how. */
export interface SmtplibSend {
  port: number;
  /** The server's address: 127.0.0.1 unless given (e.g. "::1"). */
  host?: string;
  /** The envelope sender; "" is the null path `<>`. */
  from: string;
  rcpts: string[];
  /** Messages sent in order over one connection (strings are sent as UTF-8). */
  messages: (string | Uint8Array)[];
  /** The EHLO name; smtplib's own (the local host name) when absent. */
  ehloName?: string;
  /** MAIL FROM parameters, e.g. `["BODY=8BITMIME"]`. */
  mailOptions?: string[];
  /** RCPT TO parameters, the same for every recipient, e.g. `["NOTIFY=SUCCESS"]`. */
  rcptOptions?: string[];
}

/**
 * Sends `send.messages` via smtplib; returns, per message, the recipients the
 * server refused (sorted). Throws when smtplib raises (e.g. every recipient refused).
 */
export async function sendWithSmtplib(send: SmtplibSend): Promise<string[][]> {
  const encoder = new TextEncoder();
  const job = {
    host: send.host ?? "127.0.0.1",
    port: send.port,
    from: send.from,
    rcpts: send.rcpts,
    messages: send.messages.map((m) => (typeof m === "string" ? encoder.encode(m) : m).toBase64()),
    ehloName: send.ehloName ?? null,
    mailOptions: send.mailOptions ?? [],
    rcptOptions: send.rcptOptions ?? [],
  };
  const path = await Deno.makeTempFile({ prefix: "pillarbox-smtplib-", suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(job));
    return JSON.parse(await python(SEND, [path])) as string[][];
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}
