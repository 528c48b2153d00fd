/**
 * One tenant's vectors in memory: an int8 matrix (search-kernel.ts) plus columns of what the
 * filters need (end user, thread, role, block type, date), addressed by `doc_key`. The semantic
 * side of a search is one scan of the matrix, the filters, and a top-k heap. Deleted rows are
 * tombstoned and compacted in bulk, so a delete costs O(1) and a scan never sees a hole twice.
 */
import { Int8VectorMatrix } from "./search-kernel.ts";

export interface VectorRow {
  docKey: number;
  endUserId: string | null;
  threadId: string;
  role: string;
  blockType: string;
  createdAt: number;
  vector: Float32Array;
}

export interface VectorFilter {
  endUserId?: string;
  threadId?: string;
  role?: string;
  includeTools: boolean;
  from?: number;
  to?: number;
}

export interface ScoredKey {
  key: number;
  score: number;
}

/** Compact once a quarter of the rows are dead (and at least this many): amortized O(1). */
const MIN_DEAD_ROWS_TO_COMPACT = 1024;
const ROLES = ["user", "assistant", "tool", "summary"];
const BLOCK_TYPES = ["text", "tool_use", "tool_result"];
const NO_ID = -1;

/** Strings to small ints, so filters compare numbers. */
class Interner {
  readonly #ids = new Map<string, number>();
  idOf(value: string): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(value, id);
    }
    return id;
  }
  find(value: string): number | undefined {
    return this.#ids.get(value);
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(array: T, capacity: number): T {
  if (array.length >= capacity) return array;
  const next = new (array.constructor as new (n: number) => T)(
    Math.max(capacity, array.length * 2),
  );
  next.set(array);
  return next;
}

/** Keeps the k best (highest score; lower key on ties) of what it is offered. */
export function topK(
  keys: Float64Array,
  scores: Float32Array,
  accept: (row: number) => boolean,
  rows: number,
  k: number,
): ScoredKey[] {
  const heap: ScoredKey[] = [];
  const worse = (a: ScoredKey, b: ScoredKey) =>
    a.score < b.score || (a.score === b.score && a.key > b.key);
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let row = 0; row < rows; row++) {
    const score = scores[row]!;
    if (heap.length === k && score < heap[0]!.score) continue;
    if (!accept(row)) continue;
    const item = { key: keys[row]!, score };
    if (heap.length < k) {
      heap.push(item);
      for (
        let i = heap.length - 1;
        i > 0 && worse(heap[i]!, heap[(i - 1) >> 1]!);
        i = (i - 1) >> 1
      ) {
        [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1]!, heap[i]!];
      }
    } else if (worse(heap[0]!, item)) {
      heap[0] = item;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => b.score - a.score || a.key - b.key);
}

export class TenantVectors {
  /** The tenant version this copy reflects (search_tenants.version). */
  version = 0;
  readonly #matrix: Int8VectorMatrix;
  #rows = 0;
  #dead = 0;
  #keys = new Float64Array(0);
  #endUsers = new Int32Array(0);
  #threads = new Int32Array(0);
  #roles = new Uint8Array(0);
  #types = new Uint8Array(0);
  #created = new Float64Array(0);
  readonly #rowOf = new Map<number, number>();
  readonly #endUserIds = new Interner();
  readonly #threadIds = new Interner();

  constructor(dims: number) {
    this.#matrix = new Int8VectorMatrix(dims);
  }

  get size(): number {
    return this.#rows - this.#dead;
  }

  get bytes(): number {
    return this.#matrix.bytes + this.#keys.length * 30;
  }

  upsert(doc: VectorRow): void {
    let row = this.#rowOf.get(doc.docKey);
    if (row === undefined) {
      row = this.#rows++;
      this.#rowOf.set(doc.docKey, row);
      this.#ensureColumns(this.#rows);
    }
    this.#matrix.setRow(row, doc.vector);
    this.#keys[row] = doc.docKey;
    this.#endUsers[row] = doc.endUserId === null ? NO_ID : this.#endUserIds.idOf(doc.endUserId);
    this.#threads[row] = this.#threadIds.idOf(doc.threadId);
    this.#roles[row] = ROLES.indexOf(doc.role);
    this.#types[row] = BLOCK_TYPES.indexOf(doc.blockType);
    this.#created[row] = doc.createdAt;
  }

  remove(docKey: number): void {
    const row = this.#rowOf.get(docKey);
    if (row === undefined) return;
    this.#rowOf.delete(docKey);
    this.#keys[row] = NO_ID;
    this.#dead++;
    if (this.#dead >= MIN_DEAD_ROWS_TO_COMPACT && this.#dead * 4 >= this.#rows) this.#compact();
  }

  #ensureColumns(rows: number): void {
    this.#keys = grown(this.#keys, rows);
    this.#endUsers = grown(this.#endUsers, rows);
    this.#threads = grown(this.#threads, rows);
    this.#roles = grown(this.#roles, rows);
    this.#types = grown(this.#types, rows);
    this.#created = grown(this.#created, rows);
  }

  #compact(): void {
    let to = 0;
    for (let from = 0; from < this.#rows; from++) {
      const key = this.#keys[from]!;
      if (key === NO_ID) continue;
      if (from !== to) {
        this.#matrix.moveRow(from, to);
        this.#keys[to] = key;
        this.#endUsers[to] = this.#endUsers[from]!;
        this.#threads[to] = this.#threads[from]!;
        this.#roles[to] = this.#roles[from]!;
        this.#types[to] = this.#types[from]!;
        this.#created[to] = this.#created[from]!;
        this.#rowOf.set(key, to);
      }
      to++;
    }
    this.#rows = to;
    this.#dead = 0;
  }

  /** The `k` rows most similar to `query` that pass `filter`, best first. */
  nearest(query: Float32Array, filter: VectorFilter, k: number): ScoredKey[] {
    const accept = this.#acceptor(filter);
    if (!accept || this.#rows === 0) return [];
    const scores = this.#matrix.cosines(query, this.#rows);
    return topK(this.#keys, scores, accept, this.#rows, k);
  }

  /** A row predicate for the filter; null when the filter names an unknown end user or thread. */
  #acceptor(filter: VectorFilter): ((row: number) => boolean) | null {
    const endUser =
      filter.endUserId === undefined ? undefined : this.#endUserIds.find(filter.endUserId);
    const thread =
      filter.threadId === undefined ? undefined : this.#threadIds.find(filter.threadId);
    if (
      (filter.endUserId !== undefined && endUser === undefined) ||
      (filter.threadId !== undefined && thread === undefined)
    ) {
      return null;
    }
    const role = filter.role === undefined ? -1 : ROLES.indexOf(filter.role);
    const from = filter.from ?? Number.NEGATIVE_INFINITY;
    const to = filter.to ?? Number.POSITIVE_INFINITY;
    const textOnly = !filter.includeTools;
    return (row) =>
      this.#keys[row] !== NO_ID &&
      (endUser === undefined || this.#endUsers[row] === endUser) &&
      (thread === undefined || this.#threads[row] === thread) &&
      (role === -1 || this.#roles[row] === role) &&
      (!textOnly || this.#types[row] === 0) &&
      this.#created[row]! >= from &&
      this.#created[row]! <= to;
  }
}
