/**
 * Worker process entry: `bun workers/main.ts`, as many as needed, next to servers started with
 * WORKERS=external. Same configuration (environment) as the server; REDIS_URL is required, and
 * the store / search settings must match the servers'. SIGINT/SIGTERM finish running jobs first.
 */
import { ConfigError, describeConfig, loadConfig } from "../src/config.ts";
import { consoleLogger } from "../src/ports/logger.ts";
import { createWorkerProcess } from "../src/worker-runtime.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = consoleLogger(config.logLevel);
  const worker = await createWorkerProcess(config, logger);
  logger.info("spool workers running", describeConfig(config));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("workers shutting down", { signal });
    await worker.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
