/**
 * Metrics around ports, so actors and workers stay unaware of them: the checkpoint store times
 * its event writes and counts each settled assistant message (turns per model and status, tokens
 * per provider and direction: every settlement, by an actor or the reaper, goes through
 * `putMessage`); the lease store counts grants and losses; the model catalog times the first
 * token of each provider call; the vector backfill counts the vectors the re-embedding job wrote.
 */

import type { MessageRecord } from "../../domain/records.ts";
import type { CheckpointStore } from "../../ports/checkpoint.ts";
import type { LeaseStore } from "../../ports/lease.ts";
import type { ModelCatalog, ModelProvider, ModelStreamPart } from "../../ports/llm.ts";
import type { Metrics } from "../../ports/metrics.ts";
import type { VectorBackfill } from "../../ports/vector-backfill.ts";

/** A view of `target` whose listed methods are replaced; every other member is the target's own. */
function override<T extends object>(target: T, methods: Partial<T>): T {
  // Bound once per method: these stores are called on every event of every stream.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(methods, property)) return methods[property as keyof T];
      const value = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = value.bind(object);
        bound.set(property, method);
      }
      return method;
    },
  });
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export function instrumentCheckpoint(store: CheckpointStore, metrics: Metrics): CheckpointStore {
  return override(store, {
    // One `finally` promise, not an async function awaiting the write: this runs per batch.
    appendEvents(threadId, epoch, batches) {
      const started = performance.now();
      return store
        .appendEvents(threadId, epoch, batches)
        .finally(() => metrics.checkpointWrite(seconds(started)));
    },
    async putMessage(threadId, epoch, record) {
      const result = await store.putMessage(threadId, epoch, record);
      if (result.ok) countSettled(metrics, record);
      return result;
    },
  });
}

function countSettled(metrics: Metrics, record: MessageRecord): void {
  // An erased version is not a new turn: its turn and tokens were counted when it settled.
  if (record.role !== "assistant" || record.status === "in_progress" || record.status === "deleted")
    return;
  const model = record.model ?? "unknown";
  metrics.turnFinished(model, record.status);
  const provider = model.includes("/") ? model.slice(0, model.indexOf("/")) : "unknown";
  metrics.tokens(provider, "input", record.usage?.input_tokens ?? 0);
  metrics.tokens(provider, "output", record.usage?.output_tokens ?? 0);
}

export function instrumentLeases(leases: LeaseStore, metrics: Metrics): LeaseStore {
  return override(leases, {
    async acquire(threadId, nodeId, ttlMs) {
      const result = await leases.acquire(threadId, nodeId, ttlMs);
      if (result.ok) metrics.leaseTaken();
      return result;
    },
    async renew(threadId, nodeId, epoch, ttlMs) {
      const renewed = await leases.renew(threadId, nodeId, epoch, ttlMs);
      if (!renewed) metrics.leaseLost();
      return renewed;
    },
  });
}

export function instrumentBackfill(backfill: VectorBackfill, metrics: Metrics): VectorBackfill {
  return override(backfill, {
    async store(holder, vectors, through, leaseTtlMs, now) {
      const result = await backfill.store(holder, vectors, through, leaseTtlMs, now);
      if (result.ok && result.written > 0) metrics.vectorsReembedded(result.written);
      return result;
    },
  });
}

export function instrumentCatalog(catalog: ModelCatalog, metrics: Metrics): ModelCatalog {
  const wrapped = new WeakMap<ModelProvider, ModelProvider>();
  const timed = (provider: ModelProvider): ModelProvider => {
    let view = wrapped.get(provider);
    if (!view) {
      view = override(provider, {
        stream(request) {
          return firstTokenTimed(
            provider.stream(request),
            `${provider.name}/${request.model}`,
            metrics,
          );
        },
      });
      wrapped.set(provider, view);
    }
    return view;
  };
  return override(catalog, {
    resolve(model) {
      const resolved = catalog.resolve(model);
      return resolved ? { ...resolved, provider: timed(resolved.provider) } : null;
    },
  });
}

/**
 * The parts as they come, timing the first text delta. Not an async generator: that would add a
 * generator step (promises and microtasks) to every part of every answer; after the first delta
 * `next` is the inner iterator's own (issue 17).
 */
function firstTokenTimed(
  parts: AsyncIterable<ModelStreamPart>,
  model: string,
  metrics: Metrics,
): AsyncIterable<ModelStreamPart> {
  return {
    [Symbol.asyncIterator]() {
      const inner = parts[Symbol.asyncIterator]();
      const started = performance.now();
      let timed = false;
      const iterator: AsyncIterator<ModelStreamPart> = {
        next: () => {
          if (timed) return inner.next();
          return inner.next().then((result) => {
            if (!result.done && result.value.type === "block_delta") {
              timed = true;
              metrics.timeToFirstToken(model, seconds(started));
            }
            return result;
          });
        },
        return: (value?: unknown) =>
          inner.return ? inner.return(value) : Promise.resolve({ done: true, value: undefined }),
      };
      return iterator;
    },
  };
}

/**
 * A view of the hot tier whose checkpoint and lease stores are the instrumented ones (each built
 * once), everything else the tier's own.
 */
export function observeHotTier<T extends { checkpoint: CheckpointStore; leases: LeaseStore }>(
  hot: T,
  wrap: {
    checkpoint: (store: CheckpointStore) => CheckpointStore;
    leases: (store: LeaseStore) => LeaseStore;
  },
): T {
  const checkpoint = wrap.checkpoint(hot.checkpoint);
  const leases = wrap.leases(hot.leases);
  return override(hot, { checkpoint, leases } as Partial<T>);
}
