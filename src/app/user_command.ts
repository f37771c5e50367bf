/**
 * `pillarbox user add|del|list|passwd`: account management on the users file.
 *
 * Passwords come from the first line of stdin, never from argv (argv is
 * visible to every user of the host in `ps`). The file is rewritten
 * atomically under a lock; a running server notices the change by itself.
 */

import { dirname } from "node:path";
import {
  hashPassword,
  isValidAccountAddress,
  normalizeAddress,
  normalizeDomain,
  readUsersFile,
  splitAddress,
  updateUsersFile,
} from "../auth/mod.ts";

/** Options for {@link runUserCommand}. */
export type UserCommandOptions = {
  usersFile: string;
  /** The local domains (`--domains`): `add` warns of an account on none of them. */
  domains?: readonly string[];
  stdin: ReadableStream<Uint8Array>;
  out: (line: string) => void;
  err: (line: string) => void;
};

type Outcome = { status: number; message?: string };
type Subcommand = {
  usage: string;
  arity: number;
  run: (args: string[], options: UserCommandOptions) => Promise<Outcome>;
};

const MAX_PASSWORD_BYTES = 4096;

/** A refusal that becomes exit status 1 (or 2) and one line on stderr. */
class UserCommandError extends Error {
  constructor(message: string, readonly status = 1) {
    super(message);
  }
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  add: { usage: "user add ADDRESS        (password: first line of stdin)", arity: 1, run: addUser },
  del: { usage: "user del ADDRESS", arity: 1, run: deleteUser },
  list: { usage: "user list", arity: 0, run: listUsers },
  passwd: {
    usage: "user passwd ADDRESS     (password: first line of stdin)",
    arity: 1,
    run: passwd,
  },
};

function usageLines(): string[] {
  return ["Usage:", ...Object.values(SUBCOMMANDS).map((sub) => `  pillarbox ${sub.usage}`)];
}

/**
 * Runs `pillarbox user ...`; `words` start after "user". Returns the exit
 * status: 0 done, 1 refused (no such user, user exists, bad input), 2 usage.
 */
export async function runUserCommand(
  words: string[],
  options: UserCommandOptions,
): Promise<number> {
  const [name = "", ...args] = words;
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (sub === undefined || args.length !== sub.arity) {
    options.err(name === "" ? "Missing user subcommand" : `Bad user command: "${words.join(" ")}"`);
    for (const line of usageLines()) options.err(line);
    return 2;
  }
  try {
    const outcome = await sub.run(args, options);
    if (outcome.message !== undefined) options.out(outcome.message);
    return outcome.status;
  } catch (error) {
    if (error instanceof UserCommandError) {
      options.err(error.message);
      return error.status;
    }
    options.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

function accountArgument(raw: string | undefined, action: string): string {
  const address = normalizeAddress(raw ?? "");
  if (!isValidAccountAddress(address)) {
    throw new UserCommandError(
      `Cannot ${action} "${raw}": not a valid account address (expected e.g. bob@example.com)`,
      2,
    );
  }
  return address;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the first line of stdin (without its line ending); stops early and
 * cancels the rest. Null when the line is not UTF-8.
 */
async function readFirstLine(stdin: ReadableStream<Uint8Array>): Promise<string | null> {
  const reader = stdin.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= MAX_PASSWORD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const newline = value.indexOf(0x0a);
      chunks.push(newline < 0 ? value : value.subarray(0, newline));
      size += newline < 0 ? value.length : newline;
      if (newline >= 0) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (size > MAX_PASSWORD_BYTES) throw new UserCommandError("Password is too long");
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  // Logins decode strictly too (auth/sasl.ts): a byte replaced by U+FFFD would store a password
  // other than the one typed, which that one never matches. Null: not UTF-8.
  try {
    return STRICT_UTF8.decode(bytes).replace(/\r$/, "");
  } catch {
    return null;
  }
}

async function readNewPassword(stdin: ReadableStream<Uint8Array>, action: string): Promise<string> {
  const password = await readFirstLine(stdin);
  if (password === null) {
    throw new UserCommandError(
      `Cannot ${action}: the password is not UTF-8 (set the terminal or the file to UTF-8)`,
    );
  }
  if (password === "") {
    throw new UserCommandError(
      `Cannot ${action}: empty password (give it as the first line of stdin)`,
    );
  }
  return await hashPassword(password);
}

async function addUser(args: string[], options: UserCommandOptions): Promise<Outcome> {
  const address = accountArgument(args[0], "add user");
  const exists = () => new UserCommandError(`Cannot add user "${address}": it already exists`);
  if ((await readUsersFile(options.usersFile)).has(address)) throw exists();
  const hash = await readNewPassword(options.stdin, `add user "${address}"`);
  await Deno.mkdir(dirname(options.usersFile) || ".", { recursive: true, mode: 0o700 });
  await updateUsersFile(options.usersFile, (users) => {
    if (users.has(address)) throw exists();
    users.set(address, hash);
    return true;
  });
  const domain = splitAddress(address)?.domain ?? "";
  const domains = options.domains?.map((name) => normalizeDomain(name));
  if (domains !== undefined && !domains.includes(domain)) {
    options.err(
      `Warning: ${domain} is not in --domains=${domains.join(",")}: ${address} can log in, ` +
        "but mail to it is not delivered here (add the domain to --domains)",
    );
  }
  return { status: 0, message: `Added user ${address}` };
}

async function deleteUser(args: string[], options: UserCommandOptions): Promise<Outcome> {
  const address = accountArgument(args[0], "delete user");
  if (!(await readUsersFile(options.usersFile)).has(address)) {
    throw new UserCommandError(`Cannot delete user "${address}": no such user`);
  }
  await updateUsersFile(options.usersFile, (users) => {
    if (!users.delete(address)) {
      throw new UserCommandError(`Cannot delete user "${address}": no such user`);
    }
    return true;
  });
  return { status: 0, message: `Deleted user ${address}` };
}

async function listUsers(_args: string[], options: UserCommandOptions): Promise<Outcome> {
  const users = await readUsersFile(options.usersFile);
  for (const address of [...users.keys()].sort()) options.out(address);
  return { status: 0 };
}

async function passwd(args: string[], options: UserCommandOptions): Promise<Outcome> {
  const address = accountArgument(args[0], "change the password of");
  const missing = () =>
    new UserCommandError(`Cannot change the password of "${address}": no such user`);
  if (!(await readUsersFile(options.usersFile)).has(address)) throw missing();
  const hash = await readNewPassword(options.stdin, `change the password of "${address}"`);
  await updateUsersFile(options.usersFile, (users) => {
    if (!users.has(address)) throw missing();
    users.set(address, hash);
    return true;
  });
  return { status: 0, message: `Changed the password of ${address}` };
}
