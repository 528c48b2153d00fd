/**
 * Grouped message appends on Redis (issue 17). A thread actor hands over the append-only sends
 * queued behind its last one as one group (`appendMessageGroup`); every group asked for during
 * one turn of the event loop, of any thread, joins one `append-messages-n` call
 * (tick-combiner.ts, as for events). Each group keeps its own fencing and
 * each request its own dedup entry and checks (see the script). Used by RedisCheckpointStore.
 */
import type { Redis } from "ioredis";
import type {
  AppendGroupInput,
  AppendMessagesResult,
  GroupedAppendResult,
} from "../../ports/checkpoint.ts";
import type { RedisKeys } from "./keys.ts";
import { runScript, scriptRefusal } from "./scripts.ts";
import { type CallResult, TickCombiner } from "./tick-combiner.ts";

/**
 * At most ~1,000 messages per call: Redis runs a script to the end before anything else, so a
 * call must stay short (~1 ms). A group is never split (its requests depend on one another);
 * a larger flush becomes several calls, pipelined in the same write.
 */
const MAX_MESSAGES_PER_CALL = 1000;

type RequestReply = [string, (string | number)?];

function parseSeqs(list: string): number[] {
  return list.split(",").map(Number);
}

export class GroupAppendCombiner {
  readonly #combiner: TickCombiner<AppendGroupInput, GroupedAppendResult[]>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.#combiner = new TickCombiner({
      maxUnitsPerCall: MAX_MESSAGES_PER_CALL,
      unitsOf: (input) => input.requests.reduce((n, r) => n + r.messages.length, 0),
      call: (inputs) => this.#call(inputs),
    });
  }

  append(input: AppendGroupInput): Promise<GroupedAppendResult[]> {
    if (input.requests.length === 0) return Promise.resolve([]);
    return this.#combiner.submit(input);
  }

  async #call(call: AppendGroupInput[]): Promise<CallResult<GroupedAppendResult[]>[]> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const input of call) {
      const { threadId, requests } = input;
      const first = requests[0]?.messages[0];
      keys.push(this.keys.lease(threadId), this.keys.seq(threadId), this.keys.tail(threadId));
      args.push(input.epoch, first ? first.seq - 1 : 0, input.dedupTtlMs, requests.length);
      for (const request of requests) {
        keys.push(this.keys.request(threadId, request.requestId ?? ""));
        args.push(
          request.requestId === null ? "0" : "1",
          request.fingerprint,
          request.ifLastSeq ?? -1,
          request.messages.length,
        );
        for (const message of request.messages) args.push(JSON.stringify(message));
      }
    }
    const reply = (await runScript(this.redis, "append-messages-n", keys, args)) as unknown[];
    return call.map((input, i) => {
      try {
        return { ok: groupResults(input, reply[i]) };
      } catch (error) {
        return { error };
      }
    });
  }
}

function groupResults(input: AppendGroupInput, reply: unknown): GroupedAppendResult[] {
  // stale_epoch, or seq_moved: the counter is not where this writer believed, so another
  // writer exists and this one is stale.
  if (scriptRefusal(reply) !== null) return input.requests.map(() => ({ kind: "fenced" }));
  const outcomes = reply as RequestReply[];
  if (!Array.isArray(outcomes) || outcomes.length !== input.requests.length) {
    throw new Error(`append-messages-n answered ${JSON.stringify(reply)}`);
  }
  return outcomes.map(requestResult);
}

function requestResult(reply: RequestReply): GroupedAppendResult {
  if (reply[0] === "not_run") return { kind: "not_run" };
  return messagesResult(reply, "append-messages-n");
}

/** One request's reply of append-messages-4 or -n. */
export function messagesResult(reply: RequestReply, script: string): AppendMessagesResult {
  switch (reply[0]) {
    case "appended":
      return { kind: "appended", seqs: parseSeqs(String(reply[1])) };
    case "duplicate":
      return { kind: "duplicate", seqs: parseSeqs(String(reply[1])) };
    case "mismatch":
      return { kind: "mismatch" };
    case "seq_conflict":
      return { kind: "seq_conflict", lastSeq: Number(reply[1]) };
    default:
      throw new Error(`${script} answered ${JSON.stringify(reply)}`);
  }
}
