;; The SIMD kernel of the SQLite search index's vector scan (src/adapters/sqlite/search-kernel.ts).
;; Build: bun scripts/build-search-kernel.ts (writes src/adapters/sqlite/search-kernel-wasm.ts).
;;
;; dots_i8(mat, q, dims, rows, out): for r in [0, rows):
;;   out[r] (i32) = sum over j in [0, dims) of mat[r*dims + j] (i8) * q[j] (i16)
;; `dims` must be a multiple of 16; all pointers are byte offsets into the imported memory.
;; int8 rows × int16 query, 16 dims per step through i32x4.dot_i16x8_s. The i32 sums cannot
;; overflow because the caller bounds the query's magnitude: 127 × max|q| × dims < 2^31.
(module
  (import "env" "memory" (memory 1))
  (func (export "dots_i8")
    (param $mat i32) (param $q i32) (param $dims i32) (param $rows i32) (param $out i32)
    (local $r i32) (local $j i32) (local $acc v128) (local $m v128) (local $qp i32)
    (block $done
      (loop $rows_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $row_done
          (loop $dims_loop
            (br_if $row_done (i32.ge_u (local.get $j) (local.get $dims)))
            (local.set $m (v128.load (i32.add (local.get $mat) (local.get $j))))
            (local.set $qp (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 1))))
            (local.set $acc (i32x4.add (local.get $acc)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $m))
                                 (v128.load (local.get $qp)))))
            (local.set $acc (i32x4.add (local.get $acc)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $m))
                                 (v128.load offset=16 (local.get $qp)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $dims_loop)))
        (i32.store (local.get $out)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $mat (i32.add (local.get $mat) (local.get $dims)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop)))))
