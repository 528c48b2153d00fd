/** The job handlers by queue, as plain functions of their payload (the BullMQ runner calls them). */
import { QUEUE_NAMES, type QueueName } from "../src/protocol/jobs.ts";
import { type PersistDeps, parsePersistPayload, persistMessage } from "./persist-message.ts";

export function jobHandlers(
  deps: PersistDeps,
): Partial<Record<QueueName, (payload: unknown) => Promise<unknown>>> {
  return {
    [QUEUE_NAMES.persist]: (payload) => persistMessage(deps, parsePersistPayload(payload)),
    [QUEUE_NAMES.canary]: async () => "ok",
  };
}
