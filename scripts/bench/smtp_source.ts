/** An independent figure from Postfix's smtp-source, when it is installed. */

export async function runSmtpSource(
  options: { port: number; messages: number; countDelivered: () => number },
): Promise<{ messages: number; perSecond: number } | null> {
  const candidates = ["/usr/sbin/smtp-source", "/usr/bin/smtp-source"];
  const bin = candidates.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (!bin) return null;
  const before = options.countDelivered();
  const started = performance.now();
  const result = await new Deno.Command(bin, {
    args: [
      "-s",
      "20",
      "-l",
      "5120",
      "-m",
      String(options.messages),
      "-c",
      "-f",
      "source@bench.test",
      "-t",
      "bob@example.test",
      `127.0.0.1:${options.port}`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!result.success) return null;
  while (options.countDelivered() < before + options.messages) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    messages: options.messages,
    perSecond: options.messages / ((performance.now() - started) / 1000),
  };
}
