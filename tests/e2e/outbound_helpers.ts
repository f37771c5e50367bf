/** Shared pieces of the outbound end-to-end tests. */
import { python } from "./harness.ts";

const SEND = `
import smtplib, sys
port, sender, rcpts, count = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), int(sys.argv[5])
body = open(sys.argv[4], "rb").read()
opts = ["BODY=8BITMIME"] if any(b > 127 for b in body) else []
with smtplib.SMTP("127.0.0.1", port) as s:
    s.ehlo("client.test")
    for i in range(count):
        s.sendmail(sender, rcpts, body.replace(b"#N#", str(i).encode()), mail_options=opts)
print("sent")
`;

/** Sends `body` (with "#N#" replaced by 0..count-1) `count` times via Python's smtplib. */
export async function sendWithSmtplib(
  options: {
    port: number;
    from: string;
    rcpts: string[];
    body: string;
    dir: string;
    count?: number;
  },
): Promise<void> {
  const path = `${options.dir}/outgoing-${crypto.randomUUID()}.eml`;
  await Deno.writeTextFile(path, options.body);
  const out = await python(SEND, [
    options.port,
    options.from,
    options.rcpts.join(","),
    path,
    options.count ?? 1,
  ]);
  if (out.trim() !== "sent") throw new Error(`smtplib: ${out}`);
}
