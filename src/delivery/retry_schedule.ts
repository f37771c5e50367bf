/**
 * The messages waiting for a later attempt, by queue id, and when each is
 * due. A min-heap keeps the earliest at hand, so scheduling one message and
 * taking the due ones costs log(queue) each, not a walk over the whole
 * queue: a queue of 50,000 deferred messages is scheduled in one pass.
 * Replaced and removed entries stay in the heap until they reach its top
 * (or the heap is rebuilt once they outnumber the live ones).
 */

interface Slot {
  qid: string;
  atMs: number;
}

/** Deferred messages and their due times. */
export class RetrySchedule {
  readonly #atMs = new Map<string, number>();
  #heap: Slot[] = [];

  /** How many messages are scheduled. */
  get size(): number {
    return this.#atMs.size;
  }

  /** Whether `qid` is scheduled. */
  has(qid: string): boolean {
    return this.#atMs.has(qid);
  }

  /** Schedules `qid` at `atMs` (replacing an earlier schedule of it). */
  set(qid: string, atMs: number): void {
    this.#atMs.set(qid, atMs);
    this.#push({ qid, atMs });
    if (this.#heap.length > 64 && this.#heap.length > 2 * this.#atMs.size) this.#rebuild();
  }

  /** Unschedules `qid`. */
  delete(qid: string): void {
    this.#atMs.delete(qid);
  }

  /** The earliest due time, or null when nothing is scheduled. */
  earliestMs(): number | null {
    this.#dropStale();
    return this.#heap[0]?.atMs ?? null;
  }

  /** Removes and returns the messages due at `nowMs`, earliest first. */
  takeDue(nowMs: number): string[] {
    const due: string[] = [];
    while (true) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.atMs > nowMs) return due;
      this.#pop();
      this.#atMs.delete(top.qid);
      due.push(top.qid);
    }
  }

  /** Pops tops that no longer match their message's schedule. */
  #dropStale(): void {
    while (this.#heap.length > 0) {
      const top = this.#heap[0] as Slot;
      if (this.#atMs.get(top.qid) === top.atMs) return;
      this.#pop();
    }
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [qid, atMs] of this.#atMs) this.#push({ qid, atMs });
  }

  #push(slot: Slot): void {
    const heap = this.#heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Slot).atMs <= slot.atMs) break;
      heap[i] = heap[parent] as Slot;
      i = parent;
    }
    heap[i] = slot;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Slot;
    if (heap.length === 0) return;
    let i = 0;
    while (true) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as Slot).atMs < (heap[left] as Slot).atMs
        ? right
        : left;
      if ((heap[child] as Slot).atMs >= last.atMs) break;
      heap[i] = heap[child] as Slot;
      i = child;
    }
    heap[i] = last;
  }
}
