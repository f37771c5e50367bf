/**
 * Line ends of Maildir files other programs wrote. We store every message
 * with CRLF, but Dovecot's LDA and `doveadm save`, mutt, procmail, maildrop
 * and getmail write bare LFs. A message's lines end in CRLF (RFC 5322 2.1,
 * 2.3), and IMAP's RFC822.SIZE counts the message in that form (RFC 9051
 * 2.3.4), as POP3's sizes do (RFC 1939 11): such a file is served as if it
 * had been stored with CRLF (a bare LF becomes CRLF; a CR alone and a CRLF
 * stay as they are, as Dovecot serves them), and its size is that of the
 * bytes served. Pure: no disk access.
 */

const CR = 13;
const LF = 10;

/**
 * How a listed file's bytes are served: `crlf` as stored (ours, or any file
 * known to hold no bare LF), `lf` through `CrlfLines` with its served size
 * known, `unmeasured` through `CrlfLines` with its served size not yet
 * counted (the listing holds its stored size meanwhile).
 */
export type LineEnds = "crlf" | "lf" | "unmeasured";

/** What a file name says about its line ends (see `parseMessageName`). */
export interface NamedSizes {
  /** `,S=`: the file's size. */
  sizeBytes: number | null;
  /** `,W=`: its size with CRLF line ends, as Dovecot names it. */
  wireBytes: number | null;
  /** One of our names: written with CRLF (an earlier version's APPEND: as the client sent it). */
  isOwnName: boolean;
}

/**
 * The line ends of a file by its name alone. A `,W=` is trusted (Dovecot's
 * and our own copies of other programs' files carry it): no read for it;
 * one equal to `,S=` means there is nothing to convert. Our names without
 * it are served as stored: a delivery and an APPEND are CRLF by
 * construction (README, Mailboxes). Any other name must be counted, and
 * that waits until a size is asked for (`Mailbox.exactSizes`): a listing
 * never opens a message. So is a `,W=` no CRLF form of `,S=` bytes could
 * have (`isPossibleWireSize`): a damaged or hostile name must not size a
 * read, nor be the RFC822.SIZE a literal announces.
 */
export function lineEndsOfName(name: NamedSizes): LineEnds {
  if (name.wireBytes !== null && isPossibleWireSize(name.sizeBytes, name.wireBytes)) {
    return name.wireBytes === name.sizeBytes ? "crlf" : "lf";
  }
  return name.isOwnName && name.wireBytes === null ? "crlf" : "unmeasured";
}

/**
 * Whether `wireBytes` can be the CRLF size of a file of `fileBytes`: no
 * smaller (a CR is only ever added), and at most twice it (every byte an LF).
 */
export function isPossibleWireSize(fileBytes: number | null, wireBytes: number): boolean {
  return fileBytes !== null && wireBytes >= fileBytes && wireBytes <= 2 * fileBytes;
}

/** `base` (a name of ours) with the served size in Dovecot's `,W=` when it is not the stored one. */
export function withWireSize(base: string, sizes: { storedBytes: number; sizeBytes: number }) {
  return sizes.sizeBytes === sizes.storedBytes ? base : `${base},W=${sizes.sizeBytes}`;
}

/**
 * Turns bare LFs into CRLF across a file read in pieces: a CR that ends
 * one piece pairs with an LF that starts the next, so neither a CRLF cut in
 * two nor a lone CR is doubled. Nothing is held from piece to piece but
 * whether the last one ended with a CR.
 */
export class CrlfLines {
  #isAfterCr: boolean;
  /** The bytes served so far more than read (one per bare LF). */
  addedBytes = 0;

  /** `isAfterCr`: the byte before the first piece is a CR (a read that starts mid-file). */
  constructor(isAfterCr = false) {
    this.#isAfterCr = isAfterCr;
  }

  /** Whether the last piece ended with a CR (an LF next completes its CRLF). */
  get isAfterCr(): boolean {
    return this.#isAfterCr;
  }

  /**
   * The next piece as served: `piece` itself when it has no bare LF (no
   * copy), else a new array with a CR before each.
   */
  convert(piece: Uint8Array): Uint8Array {
    const bare = this.#bareLfs(piece);
    if (bare === 0) return this.#after(piece);
    const out = new Uint8Array(piece.length + bare);
    let from = 0;
    let at = 0;
    for (let lf = piece.indexOf(LF); lf >= 0; lf = piece.indexOf(LF, lf + 1)) {
      if (this.#hasCrBefore(piece, lf)) continue;
      out.set(piece.subarray(from, lf), at);
      at += lf - from;
      out[at++] = CR;
      from = lf;
    }
    out.set(piece.subarray(from), at);
    this.#after(piece);
    return out;
  }

  /** Counts the next piece's bare LFs into `addedBytes` without converting it. */
  count(piece: Uint8Array): void {
    this.#bareLfs(piece);
    this.#after(piece);
  }

  #bareLfs(piece: Uint8Array): number {
    let bare = 0;
    for (let lf = piece.indexOf(LF); lf >= 0; lf = piece.indexOf(LF, lf + 1)) {
      if (!this.#hasCrBefore(piece, lf)) bare++;
    }
    this.addedBytes += bare;
    return bare;
  }

  #hasCrBefore(piece: Uint8Array, at: number): boolean {
    return at === 0 ? this.#isAfterCr : piece[at - 1] === CR;
  }

  #after(piece: Uint8Array): Uint8Array {
    if (piece.length > 0) this.#isAfterCr = piece[piece.length - 1] === CR;
    return piece;
  }
}
