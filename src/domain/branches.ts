/**
 * Branches of a thread (API.md "Branches and message operations"). Every message names the
 * message it follows (`parent_seq`); `seq` stays the gapless append order of the whole thread.
 * The thread's head is the last message of its active branch. It is not stored on every append:
 * an append always lands on the branch it extends and becomes the head (appends of one thread are
 * serialized by its actor, a turn's tool loop included), so the head is the newest message unless
 * a switch (`PATCH head_seq`) came after it. A switch is stored with the last seq it saw
 * (`as_of`); any later append overrides it.
 */

/** What branch logic needs of a message: its place in the tree. */
export interface MessageLink {
  seq: number;
  parent_seq: number | null;
  role: string;
}

/** A stored branch switch: `seq` made the head while the thread's last seq was `asOf`. */
export interface HeadSwitch {
  seq: number;
  asOf: number;
}

/** Summaries are kept beside the conversation (they cover it), never on its chain. */
export function isOnChain(link: MessageLink): boolean {
  return link.role !== "summary";
}

/**
 * The parent a message had before branches existed: the one before it. Used for records written
 * by an older Spool (store rows, Redis tail entries) that carry no `parent_seq`.
 */
export function legacyParent(seq: number): number | null {
  return seq > 1 ? seq - 1 : null;
}

/**
 * The head: the stored switch if nothing was appended after it, else the newest message. (An
 * append that is not on the chain, a summary, stores a switch to the head it leaves in place.)
 */
export function headOf(lastSeq: number, stored: HeadSwitch | null): number | null {
  if (stored && stored.asOf >= lastSeq) return stored.seq;
  return lastSeq > 0 ? lastSeq : null;
}

/** The stored switch of a thread record, null when it has none. */
export function storedSwitch(thread: {
  head_seq: number | null;
  head_as_of: number;
}): HeadSwitch | null {
  return thread.head_seq === null ? null : { seq: thread.head_seq, asOf: thread.head_as_of };
}

/**
 * The seqs from the root to `seq` (inclusive) in order; [] for null. A parent is always older, so
 * the walk ends. A seq missing from `links` (a message the store refused and set aside) is passed
 * over as a linear thread would: its place goes to the message before it.
 */
export function ancestry(links: ReadonlyMap<number, number | null>, seq: number | null): number[] {
  const out: number[] = [];
  let at = seq;
  while (at !== null && at >= 1) {
    if (!links.has(at)) {
      at -= 1;
      continue;
    }
    out.push(at);
    const parent = links.get(at) ?? null;
    at = parent !== null && parent < at ? parent : null;
  }
  return out.reverse();
}

/** `seq → parent_seq` of every link. */
export function parentIndex(links: Iterable<MessageLink>): Map<number, number | null> {
  const index = new Map<number, number | null>();
  for (const link of links) index.set(link.seq, link.parent_seq);
  return index;
}

/** `seq → children seqs` (ascending) of every link that has a parent. */
export function childrenIndex(links: Iterable<MessageLink>): Map<number, number[]> {
  const index = new Map<number, number[]>();
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  for (const link of sorted) {
    if (link.parent_seq === null) continue;
    const children = index.get(link.parent_seq) ?? [];
    children.push(link.seq);
    index.set(link.parent_seq, children);
  }
  return index;
}

/** The messages of `records` on the branch that ends at `seq` (inclusive), in branch order. */
export function branchOf<T extends MessageLink>(records: readonly T[], seq: number | null): T[] {
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  return ancestry(parentIndex(records), seq).map((s) => bySeq.get(s)!);
}

/** The records a turn's context is built from: its branch, with the summaries of that branch. */
export interface BranchContext<T> {
  /** The branch ending at the parent of the message being generated, then its summaries; seq order. */
  records: T[];
  /** False when the branch reaches back past what `records` held (and no summary covers that). */
  complete: boolean;
}

/**
 * The branch that message `seq` answers (the ancestors of its parent) among `records` (seq order;
 * possibly only the newest part of a thread), and the summaries that cover messages of it. Runs on
 * every model call of a turn, so it walks the sorted array (binary search on a jump, none on a
 * linear stretch) instead of building maps of a long thread.
 */
export function branchContext<T extends MessageLink & { covers_through_seq?: number }>(
  records: readonly T[],
  seq: number,
): BranchContext<T> {
  const ownAt = indexOfSeq(records, seq, records.length - 1);
  const parent = ownAt >= 0 ? records[ownAt]!.parent_seq : null;
  const chain: T[] = [];
  let want = parent;
  let hi = (ownAt >= 0 ? ownAt : records.length) - 1;
  const oldest = records[0]?.seq ?? Number.POSITIVE_INFINITY;
  while (want !== null && want >= oldest && hi >= 0) {
    const at = records[hi]!.seq === want ? hi : indexOfSeq(records, want, hi);
    if (at < 0) {
      want -= 1; // a message the store set aside: passed over, as `ancestry` does
      continue;
    }
    const record = records[at]!;
    chain.push(record);
    hi = at - 1;
    want = record.parent_seq !== null && record.parent_seq < record.seq ? record.parent_seq : null;
  }
  chain.reverse();
  const summaries = records.filter(
    (r) =>
      !isOnChain(r) &&
      r.covers_through_seq !== undefined &&
      indexOfSeq(chain, r.covers_through_seq, chain.length - 1) >= 0,
  );
  const reachesRoot = chain.length === 0 ? parent === null : chain[0]!.parent_seq === null;
  return {
    records: mergeBySeq(chain, summaries),
    complete: reachesRoot || summaries.length > 0,
  };
}

/** The index of `seq` in `sorted[0..hi]` (seq order), -1 when absent. */
function indexOfSeq(sorted: readonly { seq: number }[], seq: number, hi: number): number {
  let lo = 0;
  let top = hi;
  while (lo <= top) {
    const mid = (lo + top) >> 1;
    const at = sorted[mid]!.seq;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else top = mid - 1;
  }
  return -1;
}

function mergeBySeq<T extends { seq: number }>(a: T[], b: T[]): T[] {
  if (b.length === 0) return a;
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.seq < b[j]!.seq)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
