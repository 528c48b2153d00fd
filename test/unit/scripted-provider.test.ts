import { describe, expect, test } from "bun:test";
import { ScriptedProvider } from "../../src/adapters/llm/scripted/scripted-provider.ts";
import type { ModelStreamPart } from "../../src/ports/llm.ts";
import { modelRequest } from "../support/model-request.ts";

/** A real AbortSignal whose abort listeners are counted while the stream runs. */
function countedSignal() {
  const controller = new AbortController();
  const signal = controller.signal;
  const live = new Set<unknown>();
  const counts = { adds: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: unknown, options?: unknown) => {
    if (type === "abort") {
      live.add(listener);
      counts.adds++;
    }
    add(type, listener as EventListener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: unknown) => {
    if (type === "abort") live.delete(listener);
    remove(type, listener as EventListener);
  }) as typeof signal.removeEventListener;
  return { controller, signal, live, counts };
}

describe("spool/echo pacing", () => {
  test("a paced answer adds one abort listener in all, and none is left once it ends", async () => {
    const { signal, live, counts } = countedSignal();
    const provider = new ScriptedProvider();
    let most = 0;
    let deltas = 0;
    for await (const part of provider.stream(
      modelRequest("[chunks=40] [delay_ms=1] go", { signal }),
    )) {
      if (part.type === "block_delta") deltas++;
      most = Math.max(most, live.size);
    }
    expect(deltas).toBe(40);
    expect(most).toBeLessThanOrEqual(1);
    expect(counts.adds).toBe(1); // not one per pause
    expect(live.size).toBe(0);
  });

  test("an abort during a pause ends the wait at once", async () => {
    const { controller, signal } = countedSignal();
    const provider = new ScriptedProvider();
    const parts: ModelStreamPart[] = [];
    const startedAt = performance.now();
    setTimeout(() => controller.abort(), 50);
    for await (const part of provider.stream(
      modelRequest("[chunks=5] [delay_ms=1000] go", { signal }),
    )) {
      parts.push(part);
      if (signal.aborted) break;
    }
    // Five pauses of 1 s would take 5 s; the abort cut the first one short.
    expect(performance.now() - startedAt).toBeLessThan(900);
  });
});
