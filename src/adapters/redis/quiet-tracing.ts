/**
 * ioredis 6 wraps every command in a diagnostics_channel `tracePromise` (plus an argument
 * sanitizer and a context object) unless its TracingChannel says `hasSubscribers === false`.
 * Bun's TracingChannel has no `hasSubscribers`, so ioredis traced every command with nobody
 * listening: ~5 % of the node's CPU on the paced relay. This adds the getter Node has (true while
 * any of the five channels has a subscriber), so tracing costs nothing until a tracer subscribes.
 */
import diagnostics from "node:diagnostics_channel";

const PHASES = ["start", "end", "asyncStart", "asyncEnd", "error"] as const;

type PhaseChannels = Record<(typeof PHASES)[number], { hasSubscribers: boolean }>;

export function quietIdleTracing(): void {
  if (typeof diagnostics.tracingChannel !== "function") return;
  const prototype = Object.getPrototypeOf(diagnostics.tracingChannel("spool:probe")) as object;
  if ("hasSubscribers" in prototype) return;
  Object.defineProperty(prototype, "hasSubscribers", {
    configurable: true,
    get(this: PhaseChannels): boolean {
      return PHASES.some((phase) => this[phase]?.hasSubscribers === true);
    },
  });
}
