/**
 * Bun entry point: load the configuration, build the runtime, serve HTTP through Elysia's fetch
 * and WebSocket upgrades on /v1/ws through the runtime-neutral session. SIGINT/SIGTERM shut down
 * gracefully: clients are told to reconnect (1012) and leases are released.
 */
import { describeConfig } from "./config.ts";
import { createRuntime } from "./deps.ts";
import { consoleLogger } from "./ports/logger.ts";
import { loadConfigOrExit, onShutdown } from "./process-lifecycle.ts";
import { serveBun } from "./serve-bun.ts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = consoleLogger(config.logLevel);
  const runtime = await createRuntime(config, logger);
  if (runtime.firstSecretKey) process.stdout.write(`secret key: ${runtime.firstSecretKey}\n`);
  const server = serveBun(runtime);
  logger.info("spool listening", {
    ...describeConfig(config),
    url: `http://${config.host}:${server.port}`,
  });
  onShutdown(logger, async () => {
    await server.stop();
    await runtime.close();
  });
}

await main();
