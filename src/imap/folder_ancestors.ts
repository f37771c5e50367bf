/**
 * The hierarchy questions LIST asks of every name it sends ("has it a
 * child?", "has it a subscribed child the pattern missed?") answered from
 * one pass over the names: each name adds its ancestors to a set, and the
 * question becomes a set lookup. Asking each name against every other took
 * time quadratic in the folder count (20,000 folders: seconds of a stalled
 * event loop for every user of the server).
 */
import { DELIMITER } from "./folder_names.ts";

/**
 * Every name that is a proper ancestor of one of `names`: each prefix of a
 * name that ends just before a delimiter ("a.b.c" gives "a" and "a.b"). So
 * `x` is in the set exactly when some name starts with `x + DELIMITER`.
 */
export function ancestorsOf(names: Iterable<string>): Set<string> {
  const ancestors = new Set<string>();
  for (const name of names) {
    for (let at = name.indexOf(DELIMITER); at !== -1; at = name.indexOf(DELIMITER, at + 1)) {
      ancestors.add(name.slice(0, at));
    }
  }
  return ancestors;
}

/** `ancestorsOf` the names that pass `keep`. */
export function ancestorsOfKept(
  names: Iterable<string>,
  keep: (name: string) => boolean,
): Set<string> {
  const kept: string[] = [];
  for (const name of names) if (keep(name)) kept.push(name);
  return ancestorsOf(kept);
}
