/**
 * Bun entry point: load the configuration, build the runtime, serve HTTP through Elysia's fetch
 * and WebSocket upgrades on /v1/ws through the runtime-neutral session. SIGINT/SIGTERM shut down
 * gracefully: clients are told to reconnect (1012) and leases are released.
 */
import { ConfigError, describeConfig, loadConfig } from "./config.ts";
import { createRuntime } from "./deps.ts";
import { consoleLogger } from "./ports/logger.ts";
import { serveBun } from "./serve-bun.ts";

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
  const runtime = await createRuntime(config, logger);
  if (runtime.firstSecretKey) process.stdout.write(`secret key: ${runtime.firstSecretKey}\n`);
  const server = serveBun(runtime);
  logger.info("spool listening", {
    ...describeConfig(config),
    url: `http://${config.host}:${server.port}`,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    await server.stop();
    await runtime.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
