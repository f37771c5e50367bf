/**
 * Password hashes: scrypt, encoded as one colon-free token so it fits the
 * users file (`address:hash`).
 *
 * Format: `scrypt$N$r$p$<salt base64>$<key base64>`, for example
 * `scrypt$16384$8$1$3q2+7w...==$Xk...=`. The async `scrypt` runs on the libuv
 * thread pool, so hashing never blocks the event loop. node:crypto is
 * loaded at the first hash: a server nobody has logged in to yet does not
 * carry it (~3 MB).
 */

import { decodeStrictBase64, encodeBase64 } from "./base64.ts";
import { Slots } from "./slots.ts";

let nodeCrypto: Promise<typeof import("node:crypto")> | null = null;

/** The cost parameters used for new hashes. */
export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

/** Refuse parameters that would cost more memory than this (a hash file is input too). */
const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;

type ScryptHash = { N: number; r: number; p: number; salt: Uint8Array; key: Uint8Array };

/**
 * Hashes computed at once. Each holds 128 * N * r bytes (16 MB) while it runs, on a
 * thread of its own whose allocator keeps the memory afterwards: 50 logins at once
 * took the process to 578 MB (by hand), two at a time to 114. Two keep both cores
 * busy; the rest wait their turn.
 */
const scryptSlots = new Slots(2);

async function deriveKey(
  password: string,
  salt: Uint8Array,
  params: { N: number; r: number; p: number; keyBytes: number },
): Promise<Uint8Array> {
  const { N, r, p, keyBytes } = params;
  const maxmem = 256 * N * r + 1024 * 1024;
  const { scrypt } = await (nodeCrypto ??= import("node:crypto"));
  return scryptSlots.run(() =>
    new Promise((resolve, reject) => {
      scrypt(password.normalize("NFC"), salt, keyBytes, { N, r, p, maxmem }, (error, key) => {
        if (error) reject(error);
        else resolve(new Uint8Array(key));
      });
    })
  );
}

/** Hashes `password` with a fresh random salt; the result is safe to store in the users file. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const key = await deriveKey(password, salt, { N, r, p, keyBytes });
  return `scrypt$${N}$${r}$${p}$${encodeBase64(salt)}$${encodeBase64(key)}`;
}

function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  return Number(text);
}

/** Parses an encoded hash; null when it is malformed or its cost is out of bounds. */
function parseHash(encoded: string): ScryptHash | null {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const N = parseCount(parts[1]);
  const r = parseCount(parts[2]);
  const p = parseCount(parts[3]);
  if (N === null || r === null || p === null) return null;
  if (N < 2 || (N & (N - 1)) !== 0 || p > 16) return null;
  // RFC 7914 2: N is less than 2^(128 * r / 8); OpenSSL refuses a larger one, so
  // such a hash could never verify (every login of its account refused).
  if (N >= 2 ** (16 * r)) return null;
  if (128 * N * r > MAX_SCRYPT_MEMORY_BYTES) return null;
  const salt = decodeStrictBase64(parts[4] ?? "");
  const key = decodeStrictBase64(parts[5] ?? "");
  if (salt === null || key === null) return null;
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

/**
 * Checks `password` against an encoded hash in constant time.
 * Returns false for a wrong password and for a malformed encoding; never throws.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const hash = parseHash(encoded);
  if (hash === null) return false;
  try {
    const key = await deriveKey(password, hash.salt, { ...hash, keyBytes: hash.key.length });
    return isSameInConstantTime(key, hash.key);
  } catch {
    return false;
  }
}

/** Compares two keys of equal length without stopping at the first difference. */
function isSameInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

/** Whether `encoded` looks like a hash this module can verify (for file validation). */
export function isPasswordHash(encoded: string): boolean {
  return parseHash(encoded) !== null;
}
