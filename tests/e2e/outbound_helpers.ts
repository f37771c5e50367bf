/** Shared pieces of the outbound end-to-end tests. */
import { sendWithSmtplib } from "./smtplib_send.ts";

/**
 * Sends `body` (with "#N#" replaced by 0..count-1) `count` times via Python's
 * smtplib, EHLO client.test, with BODY=8BITMIME when the body is not ASCII.
 */
export async function sendCopies(
  options: { port: number; from: string; rcpts: string[]; body: string; count?: number },
): Promise<void> {
  const count = options.count ?? 1;
  await sendWithSmtplib({
    port: options.port,
    from: options.from,
    rcpts: options.rcpts,
    messages: Array.from({ length: count }, (_, i) => options.body.replaceAll("#N#", String(i))),
    ehloName: "client.test",
    mailOptions: /[^\x00-\x7f]/.test(options.body) ? ["BODY=8BITMIME"] : [],
  });
}
