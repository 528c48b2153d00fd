/**
 * What every Spool process entry does the same way: load the configuration or exit with every
 * problem listed (code 2), and shut down once on SIGINT / SIGTERM, with a hard deadline: whatever
 * hangs (a Redis that went away mid-shutdown retries forever), the process exits by the grace
 * plus 10 s.
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

/** 10 s past the grace: closing stores and sockets takes well under a second when all is well. */
export const HARD_EXIT_AFTER_GRACE_MS = 10_000;

/** How a runtime delivers signals and exits (Deno's node compatibility does neither reliably). */
export interface ProcessHooks {
  onSignal(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code: number): never;
}

const nodeHooks: ProcessHooks = {
  onSignal: (signal, handler) => void process.on(signal, handler),
  exit: (code) => process.exit(code),
};

export function onShutdown(
  logger: Logger,
  close: () => Promise<void>,
  graceMs = 0,
  hooks: ProcessHooks = nodeHooks,
): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, grace_ms: graceMs });
    const deadlineMs = graceMs + HARD_EXIT_AFTER_GRACE_MS;
    setTimeout(() => {
      logger.error("shutdown deadline passed; exiting", { deadline_ms: deadlineMs });
      hooks.exit(1);
    }, deadlineMs);
    try {
      await close();
    } catch (error) {
      logger.error("shutdown failed", { error });
      hooks.exit(1);
    }
    hooks.exit(0);
  };
  hooks.onSignal("SIGINT", () => void stop("SIGINT"));
  hooks.onSignal("SIGTERM", () => void stop("SIGTERM"));
}
