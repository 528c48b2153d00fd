/**
 * The conditional message upsert on MongoDB, used by MongoThreadStore.upsertMessages.
 * Standard pattern: the filter carries the version condition and `upsert: true`; when an equal
 * or newer version is stored the filter misses, the upsert tries to insert, and the unique
 * (thread_id, seq) index refuses it with E11000, which means "nothing to do". One subtlety: a
 * miss also happens when no document existed yet, so two first writers race to insert and the
 * loser's E11000 may hide a *newer* version. Those records are retried once: by then the
 * document exists, so a second E11000 really means an equal or newer version is stored.
 */
import {
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type Collection,
  MongoBulkWriteError,
} from "mongodb";
import type { MessageRecord } from "../../domain/records.ts";
import { DUPLICATE_KEY_CODE, type MessageDoc, messageToDoc } from "./documents.ts";

/** First try, plus one retry for records that lost an insert race (see the header). */
const UPSERT_ATTEMPTS = 2;

function upsertOperation(record: MessageRecord): AnyBulkWriteOperation<MessageDoc> {
  return {
    updateOne: {
      filter: {
        thread_id: record.thread_id,
        seq: record.seq,
        $or: [{ epoch: { $lt: record.epoch } }, { epoch: record.epoch, rev: { $lt: record.rev } }],
      },
      update: { $set: messageToDoc(record) },
      upsert: true,
    },
  };
}

/** Documents this bulk write changed: inserted by an upsert or updated over an older version. */
function changed(result: BulkWriteResult): number {
  return result.upsertedCount + result.modifiedCount;
}

interface BulkOutcome {
  written: number;
  /** Records whose upsert hit the unique index. */
  duplicates: MessageRecord[];
}

async function bulkUpsert(
  messages: Collection<MessageDoc>,
  records: MessageRecord[],
): Promise<BulkOutcome> {
  try {
    // Unordered: one record's E11000 must not stop the others.
    const result = await messages.bulkWrite(records.map(upsertOperation), { ordered: false });
    return { written: changed(result), duplicates: [] };
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors = err.result.getWriteErrors();
    const onlyDuplicates =
      writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY_CODE);
    // Anything else (a write concern failure, a real error) fails the call: callers retry,
    // and a retry is safe because every write here is idempotent.
    if (!onlyDuplicates || err.result.getWriteConcernError()) throw err;
    const duplicates = writeErrors.flatMap((e) => {
      const record = records[e.index];
      return record ? [record] : [];
    });
    return { written: changed(err.result), duplicates };
  }
}

/** Writes each record unless an equal or newer version is stored; returns how many changed. */
export async function conditionalUpsert(
  messages: Collection<MessageDoc>,
  records: MessageRecord[],
): Promise<number> {
  let pending = records;
  let written = 0;
  for (let attempt = 0; attempt < UPSERT_ATTEMPTS && pending.length > 0; attempt++) {
    const outcome = await bulkUpsert(messages, pending);
    written += outcome.written;
    pending = outcome.duplicates;
  }
  return written;
}
