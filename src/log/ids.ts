/** Connection ids (`cid`) and queue ids (`qid`): short, sortable, unique per process start. */

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
let counter = 0;
// The pid makes ids of processes running at the same time differ (the server and
// `sendmail` write into one queue); the random part covers a pid reused later.
const processTag = Deno.pid.toString(36).padStart(5, "0").slice(-5) + randomTag(2);

function randomTag(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % 36];
  return out;
}

/**
 * A new id: time in base 36, this process's tag (pid and a random part) and
 * a counter. Ids sort by creation time, and only use `[0-9a-z]`, so they are
 * safe in file names.
 */
export function newId(): string {
  counter = (counter + 1) % 1679616; // 36^4
  return Date.now().toString(36) + processTag + counter.toString(36).padStart(4, "0");
}

/** A connection id, as seen in logs and in error replies. */
export function newCid(): string {
  return "c" + newId();
}

/**
 * Random bytes are drawn from the system in blocks and handed out a few at a
 * time: one `getRandomValues` call (an op into the runtime) per Maildir name
 * cost ~8 us of a message's ~400.
 */
const RANDOM_BLOCK_BYTES = 4096;
const randomBlock = new Uint8Array(RANDOM_BLOCK_BYTES);
let randomUsed = RANDOM_BLOCK_BYTES;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** `bytes` random bytes as lowercase hex (a name part nobody can guess or repeat). */
export function randomHex(bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i++) {
    if (randomUsed === RANDOM_BLOCK_BYTES) {
      crypto.getRandomValues(randomBlock);
      randomUsed = 0;
    }
    out += HEX[randomBlock[randomUsed++]!]; // each byte is handed out once
  }
  return out;
}

/** A queue id, as seen in logs, the 250 reply and the Received header. */
export function newQid(): string {
  return newId();
}
