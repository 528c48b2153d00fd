/**
 * Grouped message appends on Redis (issue 17). A thread actor hands over the append-only sends
 * queued behind its last one as one group (`appendMessageGroup`); every group asked for during
 * one turn of the event loop, of any thread, joins one `append-messages-n` call, flushed on
 * `setImmediate` (as append-combiner.ts does for events). Each group keeps its own fencing and
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

/**
 * At most ~1,000 messages per call: Redis runs a script to the end before anything else, so a
 * call must stay short (~1 ms). A group is never split (its requests depend on one another);
 * a larger flush becomes several calls, pipelined in the same write.
 */
const MAX_MESSAGES_PER_CALL = 1000;

interface Pending {
  input: AppendGroupInput;
  resolve(results: GroupedAppendResult[]): void;
  reject(error: unknown): void;
}

type RequestReply = [string, (string | number)?];

function parseSeqs(list: string): number[] {
  return list.split(",").map(Number);
}

export class GroupAppendCombiner {
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  append(input: AppendGroupInput): Promise<GroupedAppendResult[]> {
    if (input.requests.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    let call: Pending[] = [];
    let messages = 0;
    for (const group of pending) {
      const size = group.input.requests.reduce((n, r) => n + r.messages.length, 0);
      if (call.length > 0 && messages + size > MAX_MESSAGES_PER_CALL) {
        this.#send(call);
        call = [];
        messages = 0;
      }
      call.push(group);
      messages += size;
    }
    if (call.length > 0) this.#send(call);
  }

  #send(call: Pending[]): void {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const { input } of call) {
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
    runScript(this.redis, "append-messages-n", keys, args)
      .then((reply) => {
        call.forEach((group, i) => {
          try {
            group.resolve(groupResults(group.input, (reply as unknown[])[i]));
          } catch (error) {
            group.reject(error);
          }
        });
      })
      .catch((error) => {
        // A failed call fails every group still open in it (a settled promise ignores this).
        for (const group of call) group.reject(error);
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
