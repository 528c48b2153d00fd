import { expect, test } from "bun:test";
import diagnostics from "node:diagnostics_channel";
import { quietIdleTracing } from "../../src/adapters/redis/quiet-tracing.ts";

// ioredis traces a command unless `hasSubscribers === false`: the getter must say false while
// nobody listens (no tracing cost) and true as soon as a tracer subscribes (tracing still works).
test("a tracing channel reports subscribers only while it has some", () => {
  quietIdleTracing();
  quietIdleTracing(); // idempotent: every connection calls it
  const channel = diagnostics.tracingChannel("ioredis:command");
  expect(channel.hasSubscribers).toBe(false);
  const seen: string[] = [];
  const note = (phase: string) => () => void seen.push(phase);
  const tracer = {
    start: note("start"),
    end: note("end"),
    asyncStart: note("asyncStart"),
    asyncEnd: note("asyncEnd"),
    error: note("error"),
  };
  channel.subscribe(tracer);
  expect(channel.hasSubscribers).toBe(true);
  channel.unsubscribe(tracer);
  expect(channel.hasSubscribers).toBe(false);
});
