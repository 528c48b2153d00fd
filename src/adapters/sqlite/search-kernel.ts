/**
 * An int8 matrix of unit vectors with a fast "dot every row with this query" scan, for the SQLite
 * search index's semantic side (one matrix per tenant, search-vector-cache.ts). The scan runs in
 * a 240-byte WebAssembly SIMD kernel (scripts/search-kernel.wat): measured ~1 ms for 100k × 128
 * here against ~8 ms for the best plain-JS float32 loop. Rows are int8 with one scale each (a
 * quarter of float32's memory traffic, which is what bounds the scan); JS fallback without SIMD.
 */
import { SEARCH_KERNEL_WASM_BASE64 } from "./search-kernel-wasm.ts";

type DotsFn = (mat: number, q: number, dims: number, rows: number, out: number) => void;

const WASM_PAGE_BYTES = 65_536;
/** Rows the kernel needs per step: it reads 16 int8 dims at a time. */
const LANE_DIMS = 16;
/** Start small: most tenants have few messages; capacity doubles as rows arrive. */
const INITIAL_ROWS = 1024;

let compiled: WebAssembly.Module | null | undefined;

/** The kernel module, or null where the runtime has no WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = Uint8Array.from(atob(SEARCH_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
  compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/** The same computation in plain JS, on the same memory layout. */
function jsDots(memory: WebAssembly.Memory): DotsFn {
  return (mat, q, dims, rows, out) => {
    const i8 = new Int8Array(memory.buffer);
    const i16 = new Int16Array(memory.buffer, q, dims);
    const i32 = new Int32Array(memory.buffer, out, rows);
    for (let r = 0, base = mat; r < rows; r++, base += dims) {
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += i8[base + j]! * i16[j]!;
      i32[r] = sum;
    }
  };
}

export class Int8VectorMatrix {
  /** Length of the vectors stored. */
  readonly dims: number;
  /** `dims` padded to the kernel's lane width; the padding stays zero. */
  readonly stride: number;
  /** Largest |q| of a quantized query such that 127 × |q| × stride fits an i32. */
  readonly #queryMax: number;
  readonly #memory: WebAssembly.Memory;
  readonly #dots: DotsFn;
  readonly #queryBytes: number;
  #capacity = 0;
  /** Views of the memory, made again after it grows (growing detaches the old buffer). */
  #bytes = new Int8Array(0);
  #scales = new Float32Array(0);
  #scores = new Float32Array(0);

  constructor(dims: number, options: { forceJs?: boolean } = {}) {
    this.dims = dims;
    this.stride = Math.ceil(dims / LANE_DIMS) * LANE_DIMS;
    this.#queryMax = Math.min(32_767, Math.floor((2 ** 31 - 1) / (127 * this.stride)));
    this.#queryBytes = this.stride * 2;
    this.#memory = new WebAssembly.Memory({ initial: 1 });
    const module = options.forceJs ? null : kernelModule();
    this.#dots = module
      ? (new WebAssembly.Instance(module, { env: { memory: this.#memory } }).exports
          .dots_i8 as DotsFn)
      : jsDots(this.#memory);
    this.#ensureCapacity(INITIAL_ROWS);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes this matrix holds (for the cache's memory budget). */
  get bytes(): number {
    return this.#memory.buffer.byteLength + this.#scales.byteLength + this.#scores.byteLength;
  }

  #matrixOffset(row: number): number {
    return this.#queryBytes + row * this.stride;
  }

  #ensureCapacity(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = Math.max(rows, this.#capacity * 2, INITIAL_ROWS);
    // Layout: query (int16) | matrix (int8 rows) | scores (int32 scratch, moves on growth).
    const needed = this.#queryBytes + capacity * this.stride + capacity * 4;
    const pages =
      Math.ceil(needed / WASM_PAGE_BYTES) - this.#memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (pages > 0) this.#memory.grow(pages);
    this.#bytes = new Int8Array(this.#memory.buffer);
    const scales = new Float32Array(capacity);
    scales.set(this.#scales);
    this.#scales = scales;
    this.#scores = new Float32Array(capacity);
    this.#capacity = capacity;
  }

  /** Stores `vector` (normalized here) in `row`, growing the matrix when needed. */
  setRow(row: number, vector: Float32Array): void {
    if (vector.length !== this.dims)
      throw new Error(`vector has ${vector.length} dims, not ${this.dims}`);
    this.#ensureCapacity(row + 1);
    let max = 0;
    let norm = 0;
    for (const x of vector) {
      max = Math.max(max, Math.abs(x));
      norm += x * x;
    }
    const inverse = max > 0 ? 127 / max : 1;
    const bytes = this.#bytes;
    const at = this.#matrixOffset(row);
    for (let d = 0; d < this.dims; d++) bytes[at + d] = Math.round(vector[d]! * inverse);
    const scale = 1 / inverse;
    // Cosine, not raw dot: divide by the norm once here rather than per query.
    this.#scales[row] = norm > 0 ? scale / Math.sqrt(norm) : 0;
  }

  /** Copies row `from` over row `to` (compaction). */
  moveRow(from: number, to: number): void {
    const at = this.#matrixOffset(from);
    this.#bytes.copyWithin(this.#matrixOffset(to), at, at + this.stride);
    this.#scales[to] = this.#scales[from]!;
  }

  /** Cosine of `query` with rows [0, rows): a scratch array, valid until the next call. */
  cosines(query: Float32Array, rows: number): Float32Array {
    if (query.length !== this.dims)
      throw new Error(`query has ${query.length} dims, not ${this.dims}`);
    let max = 0;
    let norm = 0;
    for (const x of query) {
      max = Math.max(max, Math.abs(x));
      norm += x * x;
    }
    const q = new Int16Array(this.#memory.buffer, 0, this.stride);
    const qScale = max > 0 ? max / this.#queryMax : 1;
    for (let d = 0; d < this.dims; d++) q[d] = Math.round(query[d]! / qScale);
    const outAt = this.#queryBytes + this.#capacity * this.stride;
    this.#dots(this.#queryBytes, 0, this.stride, rows, outAt);
    const raw = new Int32Array(this.#memory.buffer, outAt, rows);
    const factor = norm > 0 ? qScale / Math.sqrt(norm) : 0;
    const scores = this.#scores;
    for (let r = 0; r < rows; r++) scores[r] = raw[r]! * this.#scales[r]! * factor;
    return scores;
  }
}
