/**
 * The branches of an alias expansion that reach no one: an alias whose
 * targets only loop back (`a: b`, `b: a`) or nest past the depth limit. Mail
 * to such a branch has nowhere to go; named, it is queued like a target that
 * does not exist, so delivery fails it and the sender hears of it (sendmail
 * bounces it as an aliasing loop) instead of its copy vanishing in silence.
 */

/** What one expansion met. */
export interface Expansion {
  /** The address being resolved. */
  root: string;
  /** Every alias (or catch-all) expanded: address -> its targets. */
  targetsOf: ReadonlyMap<string, readonly string[]>;
  /** Addresses that end somewhere: mailboxes, forwards and targets that do not exist. */
  ends: ReadonlySet<string>;
}

/**
 * The first dead address on each dead branch: a target, named by the root
 * or by an alias that reaches someone, from which no end can be reached
 * (a pure function: the sets in, the names out, in order met).
 */
export function deadBranches(expansion: Expansion): string[] {
  const { root, targetsOf, ends } = expansion;
  const live = new Set(ends);
  for (let isGrowing = true; isGrowing;) {
    isGrowing = false;
    for (const [alias, targets] of targetsOf) {
      if (!live.has(alias) && targets.some((target) => live.has(target))) {
        live.add(alias);
        isGrowing = true;
      }
    }
  }
  // A set (in insertion order), not a search of the list so far: thousands of dead targets
  // took seconds for every RCPT (quadratic).
  const dead = new Set<string>();
  for (const [alias, targets] of targetsOf) {
    if (alias !== root && !live.has(alias)) continue;
    for (const target of targets) {
      if (target !== root && !live.has(target)) dead.add(target);
    }
  }
  return [...dead];
}
