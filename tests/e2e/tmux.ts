/**
 * Drives a full-screen terminal program (mutt) inside a private tmux server
 * for end-to-end tests: keys go in with `send-keys`, the screen comes back
 * with `capture-pane`, and every wait polls the screen against a deadline.
 */

/** True when `command --version`-like probing finds the program. */
export function hasProgram(name: string, args = ["-V"]): boolean {
  try {
    return new Deno.Command(name, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** One tmux session on its own socket (no user tmux config, fixed size). */
export class TmuxSession {
  readonly #socket: string;
  readonly #name = "pb";

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `command` (argv) in a detached 120x40 session with `env`. */
  static async start(
    command: string[],
    options: { dir: string; env: Record<string, string> },
  ): Promise<TmuxSession> {
    const session = new TmuxSession(`${options.dir}/tmux.sock`);
    const envArgs = Object.entries(options.env).flatMap((
      [key, value],
    ) => ["-e", `${key}=${value}`]);
    await session.#tmux([
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-s",
      session.#name,
      "-x",
      "120",
      "-y",
      "40",
      "-c",
      options.dir,
      ...envArgs,
      ...command,
    ]);
    return session;
  }

  /** Sends keys as tmux names them ("Enter", "Escape") or literal text with `literal`. */
  async keys(keys: string, options: { literal?: boolean } = {}): Promise<void> {
    await this.#tmux(["send-keys", "-t", this.#name, ...(options.literal ? ["-l"] : []), keys]);
  }

  /** The visible screen as text. */
  async screen(): Promise<string> {
    return await this.#tmux(["capture-pane", "-p", "-t", this.#name]);
  }

  /** Polls the screen until `pattern` shows (deadline, not a sleep); returns the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (pattern.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Timed out waiting for ${pattern} on the screen:\n${screen}`);
  }

  /** Ends the tmux server (and the program in it). */
  async kill(): Promise<void> {
    await this.#tmux(["kill-server"]).catch(() => "");
  }

  async #tmux(args: string[]): Promise<string> {
    const output = await new Deno.Command("tmux", {
      args: ["-S", this.#socket, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    if (!output.success) {
      throw new Error(`tmux ${args[0]} failed: ${decoder.decode(output.stderr)}`);
    }
    return decoder.decode(output.stdout);
  }
}
