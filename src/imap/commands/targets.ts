/** Turning a sequence set or UID set into the messages a command acts on. */
import { bad } from "../errors.ts";
import type { SelectedMailbox } from "../selected.ts";
import { expandSequenceSet, pickFromAscending, type SequenceSet } from "../sequence_set.ts";

/** A message in view: its sequence number and UID. */
export interface Target {
  seq: number;
  uid: number;
}

/**
 * The messages `set` names, in sequence order. A sequence number past the
 * end is BAD (ranges ending in `*` are clipped); UIDs that do not exist are
 * simply not there (RFC 3501 6.4.8).
 */
export function resolveTargets(
  selected: SelectedMailbox,
  set: SequenceSet,
  isUid: boolean,
): Target[] {
  if (isUid) {
    const uids = selected.uids();
    return pickFromAscending(set, uids, selected.maxUid).map((i) => ({
      seq: i + 1,
      uid: uids[i] as number,
    }));
  }
  const count = selected.count;
  const isOutOfRange = set.some((range) =>
    range.from !== "*" && range.to !== "*" && Math.max(range.from, range.to) > count
  );
  if (isOutOfRange) throw bad("Invalid message sequence number");
  return expandSequenceSet(set, count).map((seq) => ({ seq, uid: selected.uidAt(seq) }));
}
