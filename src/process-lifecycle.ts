/**
 * What every Spool process entry does the same way: load the configuration or exit with every
 * problem listed (code 2), and shut down once on SIGINT / SIGTERM.
 */
import { type Config, ConfigError, loadConfig } from "./config.ts";
import type { Logger } from "./ports/logger.ts";

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

export function onShutdown(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    await close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}
