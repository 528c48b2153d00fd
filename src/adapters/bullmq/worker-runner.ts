/**
 * Runs job handlers as BullMQ workers, one Worker (and connection) per queue. Handlers are plain
 * functions of the payload (workers/), so they know nothing of BullMQ; a handler signals a
 * permanent failure by throwing PermanentJobError, which becomes BullMQ's UnrecoverableError.
 */
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../ports/logger.ts";
import type { QueueName } from "../../protocol/jobs.ts";

export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

export type JobHandler = (payload: unknown) => Promise<unknown>;

export interface WorkerSet {
  close(): Promise<void>;
}

/** 8 jobs at once per queue: the store is the bottleneck, and SQLite serializes writes anyway. */
const DEFAULT_CONCURRENCY = 8;

export function startWorkers(
  connect: () => Redis,
  prefix: string,
  handlers: Partial<Record<QueueName, JobHandler>>,
  logger: Logger,
  concurrency = DEFAULT_CONCURRENCY,
): WorkerSet {
  const workers = Object.entries(handlers).map(([queue, handler]) => {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        try {
          return await handler!(job.data);
        } catch (error) {
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      { connection: connect(), prefix, concurrency },
    );
    worker.on("failed", (job, error) =>
      logger.warn("job failed", {
        queue,
        job: job?.id,
        attempts: job?.attemptsMade,
        error: error.message,
      }),
    );
    worker.on("error", (error) => logger.warn("worker error", { queue, error: error.message }));
    return worker;
  });
  return { close: async () => void (await Promise.all(workers.map((w) => w.close()))) };
}
