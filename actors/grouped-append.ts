/**
 * The writer's side of a grouped append (issue 17): several append-only sends of one thread built
 * as if each one before it is appended (seqs, parents from the head), sent in one call, and the
 * answers taken in order, as `MessageWriter.append` takes one. A refusal (mismatch, seq_conflict,
 * duplicate) breaks that assumption for what follows: the store answers those `not_run`, and they
 * are built again from the writer's real last seq and head and sent in a further call.
 */
import { isOnChain } from "../src/domain/branches.ts";
import type { MessageRecord, NewMessage } from "../src/domain/records.ts";
import type {
  AppendMessagesResult,
  GroupedAppend,
  GroupedAppendResult,
} from "../src/ports/checkpoint.ts";
import { UnavailableError } from "../src/protocol/errors.ts";

export interface AppendOptions {
  requestId: string | null;
  fingerprint: string;
  ifLastSeq: number | null;
  /** The parent of the first message; undefined: the head at this send's turn. */
  parentSeq?: number | null;
}

export type Appended = Extract<AppendMessagesResult, { kind: "appended" | "duplicate" }>;

export interface GroupedSend {
  messages: NewMessage[];
  options: AppendOptions;
}

/** A send's answer, with the records it wrote (none for a duplicate) so callers need not re-read. */
export type AppendedSend = Appended & { records: MessageRecord[] };

export type GroupOutcome = { ok: true; result: AppendedSend } | { ok: false; error: unknown };

/** What the writer lends a group: its state, its record builder and its bookkeeping. */
export interface GroupWriter {
  lastSeq(): number;
  head(): Promise<number | null>;
  now(): string;
  /** Throws a ValidationError for a parent that names no message at that point. */
  build(
    messages: NewMessage[],
    parent: number | null,
    lastSeq: number,
    now: string,
  ): MessageRecord[];
  send(requests: GroupedAppend[]): Promise<GroupedAppendResult[]>;
  fenced(): void;
  /** Books one store answer as `append` does (refusals thrown as API errors). */
  accept(result: AppendMessagesResult, records: MessageRecord[]): Promise<Appended>;
}

interface Built {
  index: number;
  records: MessageRecord[];
}

export async function appendGroup(
  sends: GroupedSend[],
  writer: GroupWriter,
): Promise<GroupOutcome[]> {
  const outcomes: (GroupOutcome | undefined)[] = new Array(sends.length);
  let from = 0;
  try {
    while (from < sends.length) from = await appendRun(sends, from, writer, outcomes);
  } catch (error) {
    // The store failed (or the head could not be read): every send not answered yet fails.
    for (let i = from; i < sends.length; i++) outcomes[i] ??= { ok: false, error };
  }
  return outcomes as GroupOutcome[];
}

/** One call for sends `from` on; returns where the next call starts (the first `not_run`). */
async function appendRun(
  sends: GroupedSend[],
  from: number,
  writer: GroupWriter,
  outcomes: (GroupOutcome | undefined)[],
): Promise<number> {
  const built = await buildRun(sends, from, writer, outcomes);
  if (built.length === 0) return sends.length;
  const requests = built.map(({ index, records }) => {
    const { requestId, fingerprint, ifLastSeq } = sends[index]!.options;
    return { requestId, fingerprint, ifLastSeq, messages: records };
  });
  const results = await writer.send(requests);
  if (results[0]?.kind === "fenced") {
    writer.fenced();
    const error = new UnavailableError("This thread moved to another node; retry the request.");
    for (const { index } of built) outcomes[index] = { ok: false, error };
    return sends.length;
  }
  for (const [j, { index, records }] of built.entries()) {
    const result = results[j];
    if (!result) throw new Error(`grouped append answered ${results.length} of ${built.length}`);
    if (result.kind === "not_run") return index;
    try {
      const accepted = await writer.accept(result, records);
      const written = accepted.kind === "appended" ? records : [];
      outcomes[index] = { ok: true, result: { ...accepted, records: written } };
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  return sends.length;
}

/** The records of sends `from` on, each after the ones before it; a send that fails to build fails alone. */
async function buildRun(
  sends: GroupedSend[],
  from: number,
  writer: GroupWriter,
  outcomes: (GroupOutcome | undefined)[],
): Promise<Built[]> {
  const now = writer.now();
  let lastSeq = writer.lastSeq();
  let head = await writer.head();
  const built: Built[] = [];
  for (let index = from; index < sends.length; index++) {
    const { messages, options } = sends[index]!;
    try {
      const parent = options.parentSeq === undefined ? head : options.parentSeq;
      const records = writer.build(messages, parent, lastSeq, now);
      built.push({ index, records });
      lastSeq += records.length;
      head = records.filter(isOnChain).at(-1)?.seq ?? head;
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  return built;
}
