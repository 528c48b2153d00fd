/**
 * Runs job handlers as BullMQ workers, one Worker (and connection) per queue. Handlers are plain
 * functions of the payload (workers/), so they know nothing of BullMQ; a handler signals a
 * permanent failure by throwing PermanentJobError (protocol/jobs.ts), which becomes BullMQ's
 * UnrecoverableError.
 */
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../ports/logger.ts";
import type { Metrics } from "../../ports/metrics.ts";
import { isPermanentJobError, type QueueName } from "../../protocol/jobs.ts";

/** `finalAttempt`: no retry follows a failure of this run (a handler may set work aside instead). */
export interface JobContext {
  finalAttempt: boolean;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<unknown>;

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
  options: { concurrency?: number; lockMs?: number; metrics?: Metrics } = {},
): WorkerSet {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  // Stalled jobs (their worker died) are looked for once per lock period.
  const lock = options.lockMs
    ? { lockDuration: options.lockMs, stalledInterval: options.lockMs }
    : {};
  const workers = Object.entries(handlers).map(([queue, handler]) => {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        try {
          const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          return await handler!(job.data, { finalAttempt });
        } catch (error) {
          if (isPermanentJobError(error)) throw new UnrecoverableError((error as Error).message);
          throw error;
        }
      },
      { connection: connect(), prefix, concurrency, ...lock },
    );
    worker.on("failed", (job, error) => {
      options.metrics?.jobFailed(queue);
      logger.warn("job failed", {
        queue,
        job: job?.id,
        attempts: job?.attemptsMade,
        error: error.message,
      });
    });
    worker.on("error", (error) => logger.warn("worker error", { queue, error: error.message }));
    return worker;
  });
  return { close: async () => void (await Promise.all(workers.map((w) => w.close()))) };
}
