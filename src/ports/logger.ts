/** Structured logging: lower-case messages with fields. Secrets never go in fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LEVELS)[number];

function describe(value: unknown): unknown {
  return value instanceof Error
    ? { name: value.name, message: value.message, stack: value.stack }
    : value;
}

/**
 * One JSON line per entry on stderr. `context` adds fields of the current scope to every line
 * (the request id while a request is served: src/http/request-context.ts).
 */
export function consoleLogger(
  minimum: LogLevel,
  context: () => Record<string, unknown> | undefined = () => undefined,
): Logger {
  const floor = LEVELS.indexOf(minimum);
  const write =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (LEVELS.indexOf(level) < floor) return;
      const entry: Record<string, unknown> = {
        t: new Date().toISOString(),
        level,
        msg: message,
        ...context(),
      };
      for (const [k, v] of Object.entries(fields)) entry[k] = describe(v);
      process.stderr.write(`${JSON.stringify(entry)}\n`);
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
