/**
 * Node-level write combining of event appends (issue 17). At real pacing a thread's batch is one
 * event, and one script call per thread per event cost more CPU than the event itself (command
 * objects, encoding, a socket write per timer tick). Every request made during one turn of the
 * event loop joins one `append-events-n` call (tick-combiner.ts); each request keeps its
 * own fencing, offset check and all-or-none (see the script). The caller's promise settles only
 * with the reply, so "durable before delivered" is unchanged. Used by RedisCheckpointStore.
 */
import type { Redis } from "ioredis";
import type { EventBatch, Fenced } from "../../ports/checkpoint.ts";
import type { RedisKeys } from "./keys.ts";
import { runScript, scriptRefusal } from "./scripts.ts";
import { type CallResult, TickCombiner } from "./tick-combiner.ts";

/**
 * At most ~4,000 events per call: Redis runs a script to the end before anything else, so one
 * call must stay short (~1 ms), and the spread of its arguments must stay far below the engine's
 * argument limit. A larger flush becomes several calls, pipelined in the same write.
 */
const MAX_EVENTS_PER_CALL = 4000;

export interface AppendRequest {
  threadId: string;
  epoch: number;
  batches: EventBatch[];
}

/** `followed`: whether another node followed the thread live when the batches were written. */
export type AppendOutcome =
  | { ok: true; followed: boolean }
  | Exclude<Fenced, { ok: true }>
  | { ok: false; reason: "offset_conflict"; batch: EventBatch };

const WRITTEN = 0;

export class AppendCombiner {
  readonly #combiner: TickCombiner<AppendRequest, AppendOutcome>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.#combiner = new TickCombiner({
      maxUnitsPerCall: MAX_EVENTS_PER_CALL,
      unitsOf: (request) => request.batches.reduce((n, b) => n + b.events.length, 0),
      call: (requests) => this.#call(requests),
    });
  }

  append(request: AppendRequest): Promise<AppendOutcome> {
    return this.#combiner.submit(request);
  }

  async #call(call: AppendRequest[]): Promise<CallResult<AppendOutcome>[]> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { threadId, epoch, batches } of call) {
      keys.push(this.keys.lease(threadId), this.keys.watchers(threadId));
      args.push(epoch, batches.length);
      for (const batch of batches) {
        keys.push(this.keys.events(threadId, batch.seq));
        args.push(batch.firstOffset, batch.expireAfterMs ?? 0, batch.events.length);
        for (const event of batch.events) args.push(event);
      }
    }
    const reply = (await runScript(this.redis, "append-events-n", keys, args)) as number[];
    return call.map((request, i) => {
      const [code, conflict, followed] = reply.slice(3 * i, 3 * i + 3);
      const outcome = outcomeOf(request, code, conflict ?? 0, followed === 1);
      return outcome
        ? { ok: outcome }
        : { error: new Error(`append-events-n answered ${code} for request ${i}`) };
    });
  }
}

function outcomeOf(
  request: AppendRequest,
  code: number | undefined,
  index: number,
  followed: boolean,
): AppendOutcome | null {
  if (code === WRITTEN) return { ok: true, followed };
  const refusal = scriptRefusal(code);
  if (refusal === "stale_epoch") return { ok: false, reason: "stale_epoch" };
  const batch = request.batches[index];
  return refusal === "offset_conflict" && batch ? { ok: false, reason: refusal, batch } : null;
}
