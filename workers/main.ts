/**
 * Worker process entry: `bun workers/main.ts`, as many as needed, next to servers started with
 * WORKERS=external. Same configuration (environment) as the server; REDIS_URL is required, and
 * the store / search settings must match the servers'. SIGINT/SIGTERM finish running jobs first.
 */
import { describeConfig } from "../src/config.ts";
import { consoleLogger } from "../src/ports/logger.ts";
import { loadConfigOrExit, onShutdown } from "../src/process-lifecycle.ts";
import { createWorkerProcess } from "../src/worker-runtime.ts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = consoleLogger(config.logLevel);
  const worker = await createWorkerProcess(config, logger);
  logger.info("spool workers running", describeConfig(config));
  onShutdown(logger, () => worker.close());
}

await main();
