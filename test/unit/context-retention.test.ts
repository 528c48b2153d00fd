// What an actor keeps of its thread: down to the message the newest summary covers, within a byte
// bound (domain/context-retention.ts).
import { expect, test } from "bun:test";
import { newestSummary, retentionStart } from "../../src/domain/context-retention.ts";
import type { MessageRecord } from "../../src/domain/records.ts";

const m = (seq: number, extra: Partial<MessageRecord> = {}) =>
  ({ seq, role: "user", status: "completed", ...extra }) as MessageRecord;
const tenBytes = () => 10;

test("without a summary, everything within the byte bound, counted from the newest", () => {
  const records = [1, 2, 3, 4, 5].map((s) => m(s));
  expect(retentionStart(records, 1000, tenBytes)).toBe(0);
  expect(retentionStart(records, 30, tenBytes)).toBe(2);
  expect(retentionStart([], 30, tenBytes)).toBe(0);
});

test("with a summary, from the covered message on; seqs need not be contiguous", () => {
  const records = [
    m(1),
    m(4),
    m(7),
    m(9),
    m(12, { role: "summary", covers_through_seq: 7 }),
    m(13),
  ];
  expect(newestSummary(records)?.seq).toBe(12);
  expect(retentionStart(records, 1000, tenBytes)).toBe(2);
  // A summary still being written (not completed) does not count.
  const pending = [
    m(1),
    m(2),
    m(3, { role: "summary", status: "in_progress", covers_through_seq: 2 }),
  ];
  expect(retentionStart(pending, 1000, tenBytes)).toBe(0);
});
