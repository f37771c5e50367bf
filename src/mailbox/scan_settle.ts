/**
 * A listing of a Maildir that does not lose messages it already knows.
 * readdir may skip an entry that is renamed while the directory is listed
 * (another MUA's flag change in cur/, its move from new/ to cur/): past one
 * batch of names (a few hundred), a listing taken while another program
 * changes flags can miss some of them. Such a message would be reported
 * expunged and come back later under a new UID. So a message known before
 * and missing now counts as gone only when a listing that missed it was
 * undisturbed (new/ and cur/ kept their mtimes across it); otherwise the
 * folder is listed again, and a message still unaccounted for after
 * `MAX_LISTINGS` is kept as it was until a later refresh settles it.
 */
import { dirStamp, type FoundFile, scanMaildir } from "./scan.ts";

/** Listings per refresh while known messages are missing and the folder keeps changing. */
const MAX_LISTINGS = 3;

/** What `scanSettled` found, and whether every missing known message is surely gone. */
export interface SettledScan {
  found: Map<string, FoundFile>;
  /** False when some known messages were kept only because the folder kept changing. */
  isSettled: boolean;
}

/**
 * Lists `dir` (see `scanMaildir`). `known` are the messages listed before
 * (in the folders listed);
 * `stampKey` is the `dirStamp` key taken just before this call. A known
 * message missing from an unsettled listing is returned as it was known.
 */
export async function scanSettled(
  dir: string,
  options: {
    known: () => Iterable<FoundFile>;
    stampKey: string;
    onUnreachable: (path: string) => void;
    /** List `new/` only (`known` then holds only messages in `new/`). */
    isNewOnly?: boolean;
  },
): Promise<SettledScan> {
  const found = new Map<string, FoundFile>();
  let before = options.stampKey;
  const scanOptions = { isNewOnly: options.isNewOnly };
  for (let listing = 1;; listing++) {
    // A later listing wins: it saw the newer name of a message listed twice.
    const listed = await scanMaildir(dir, options.onUnreachable, scanOptions);
    for (const [base, file] of listed) found.set(base, file);
    const missing: FoundFile[] = [];
    for (const file of options.known()) if (!found.has(file.base)) missing.push(file);
    if (missing.length === 0) return { found, isSettled: true };
    const after = (await dirStamp(dir))?.key ?? null;
    // Gone on disk altogether: the caller's next refresh finds that out.
    if (after === null || after === before) return { found, isSettled: true };
    if (listing === MAX_LISTINGS) {
      for (const file of missing) found.set(file.base, file);
      return { found, isSettled: false };
    }
    before = after;
  }
}
