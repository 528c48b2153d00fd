import { describe, expect, test } from "bun:test";
import { DrainSignal } from "../../src/http/drain-signal.ts";

const HIGH_WATER_BYTES = 1000;
const CHUNK = new Uint8Array(100);

/** A byte stream like the SSE sinks' own, counting how often the stream calls `pull`. */
function sinkStream() {
  const signal = new DrainSignal();
  let pulls = 0;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        pulls++;
        return signal.pull();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }),
  );
  return { signal, stream, controller, pulls: () => pulls };
}

const turns = (n: number) =>
  (async () => {
    for (let i = 0; i < n; i++) await Promise.resolve();
  })();

describe("DrainSignal", () => {
  test("nobody waiting: the stream does not call pull per chunk read", async () => {
    const { stream, controller, pulls } = sinkStream();
    const reader = stream.getReader();
    for (let i = 0; i < 100; i++) {
      controller.enqueue(CHUNK);
      await reader.read();
    }
    // Once after start, then parked: a pull per read would make this ~100.
    expect(pulls()).toBeLessThanOrEqual(2);
  });

  test("a waiter hears of the drain once the client reads the queue below the mark", async () => {
    const { signal, stream, controller } = sinkStream();
    const reader = stream.getReader();
    await turns(5);
    for (let i = 0; i < 15; i++) controller.enqueue(CHUNK); // 1,500 bytes: over the mark
    let drained = 0;
    signal.onDrain(() => drained++);
    await turns(10);
    expect(drained).toBe(0); // nothing read yet
    for (let i = 0; i < 4; i++) await reader.read(); // 1,100 bytes left: still over
    await turns(10);
    expect(drained).toBe(0);
    for (let i = 0; i < 2; i++) await reader.read(); // 900 bytes: below the mark
    await turns(10);
    expect(drained).toBe(1);
    // Once: further reads do not call it again.
    for (let i = 0; i < 5; i++) await reader.read();
    await turns(10);
    expect(drained).toBe(1);
  });

  test("a callback that waits again from inside the drain is woken by the next drain", async () => {
    const { signal, stream, controller } = sinkStream();
    const reader = stream.getReader();
    await turns(5);
    for (let i = 0; i < 15; i++) controller.enqueue(CHUNK);
    let drained = 0;
    const again = () => {
      drained++;
      if (drained < 3) signal.onDrain(again);
    };
    signal.onDrain(again);
    // Two read, one written per round: the queue goes below the mark after six rounds.
    for (let i = 0; i < 12; i++) {
      await reader.read();
      await reader.read();
      controller.enqueue(CHUNK);
      await turns(5);
    }
    expect(drained).toBe(3);
  });
});
