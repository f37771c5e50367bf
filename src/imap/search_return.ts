/**
 * ESEARCH (RFC 4731): SEARCH RETURN (MIN MAX COUNT ALL) answers with one
 * `* ESEARCH` response naming the command's tag, instead of every number:
 * MIN and MAX, the COUNT, and ALL as a compressed sequence set. Pure.
 */
import { bad } from "./errors.ts";
import { formatNumberSet } from "./sequence_set.ts";

/** The return options of RFC 4731 3.1. */
export type ReturnOption = "MIN" | "MAX" | "COUNT" | "ALL";

const OPTIONS: readonly ReturnOption[] = ["MIN", "MAX", "COUNT", "ALL"];

/**
 * Checks the option names a RETURN gave. An empty list means ALL (RFC
 * 4731 3.1); an unknown one, SAVE (RFC 5182, not offered) among them, is BAD.
 */
export function checkReturnOptions(names: readonly string[]): Set<ReturnOption> {
  if (names.length === 0) return new Set(["ALL"]);
  for (const name of names) {
    if (!(OPTIONS as readonly string[]).includes(name)) {
      throw bad(`Unknown search return option "${name.slice(0, 30)}"`);
    }
  }
  return new Set(names as ReturnOption[]);
}

/**
 * The `* ESEARCH` line for `hits` (ascending). Without hits only COUNT is
 * said (RFC 4731 3.1: MIN, MAX and ALL MUST NOT be sent), but the response
 * is sent all the same, so the client knows the search ran.
 */
export function formatEsearch(
  request: { tag: string; isUid: boolean; options: ReadonlySet<ReturnOption> },
  hits: readonly number[],
): string {
  // RFC 4731 3: "(TAG" SP tag-string ")", a string holding the command's tag.
  let line = `* ESEARCH (TAG "${request.tag.replace(/["\\]/g, "\\$&")}")`;
  if (request.isUid) line += " UID";
  const { options } = request;
  if (hits.length > 0 && options.has("MIN")) line += ` MIN ${hits[0]}`;
  if (hits.length > 0 && options.has("MAX")) line += ` MAX ${hits[hits.length - 1]}`;
  if (options.has("COUNT")) line += ` COUNT ${hits.length}`;
  if (hits.length > 0 && options.has("ALL")) line += ` ALL ${formatNumberSet(hits)}`;
  return line + "\r\n";
}
