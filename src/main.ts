/**
 * Bun entry point: load the configuration, build the runtime, serve it through the
 * runtime-neutral server (src/serve.ts) on Bun's sockets. SIGINT/SIGTERM drain first (running
 * answers finish within SHUTDOWN_GRACE_MS), then clients are told to reconnect and leases released.
 */
import { createRuntime } from "./deps.ts";
import { currentRequestFields } from "./http/request-context.ts";
import { consoleLogger } from "./ports/logger.ts";
import { loadConfigOrExit, onShutdown } from "./process-lifecycle.ts";
import { serveBun } from "./serve-bun.ts";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = consoleLogger(config.logLevel, currentRequestFields);
  const runtime = await createRuntime(config, logger);
  if (runtime.firstSecretKey) process.stdout.write(`secret key: ${runtime.firstSecretKey}\n`);
  const server = serveBun(runtime);
  runtime.listening(server, "bun");
  onShutdown(logger, () => server.shutdown(), config.shutdownGraceMs);
}

await main();
