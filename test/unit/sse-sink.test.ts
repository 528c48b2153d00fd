import { describe, expect, test } from "bun:test";
import { entryOf } from "../../actors/event-entry.ts";
import { formatSse, SseSink } from "../../src/http/sse-sink.ts";

const delta = (offset: number, text: string) =>
  entryOf(
    2,
    offset,
    JSON.stringify({ type: "block.delta", index: 0, delta: { type: "text_delta", text } }),
    false,
  );

/** The chunk after the stream's opening `retry:` line. */
async function firstFrame(sink: SseSink): Promise<Uint8Array> {
  const reader = sink.stream.getReader();
  await reader.read();
  const { value } = await reader.read();
  reader.releaseLock();
  return value!;
}

describe("SseSink framing", () => {
  test("a batch is one chunk of its frames in order, shared by every sink it reaches", async () => {
    const batch = [delta(1, "a"), delta(2, "b"), delta(3, "c")];
    const [one, two] = [new SseSink(), new SseSink()];
    one.send(batch);
    two.send(batch);
    const [a, b] = [await firstFrame(one), await firstFrame(two)];
    expect(new TextDecoder().decode(a)).toBe(batch.map(formatSse).join(""));
    expect(b).toBe(a); // encoded once
    one.close("done");
    two.close("done");
  });

  test("a lone event is shared even when it arrives in different arrays", async () => {
    const entry = delta(1, "x");
    const [one, two] = [new SseSink(), new SseSink()];
    one.send([entry]);
    two.send([entry]);
    const [a, b] = [await firstFrame(one), await firstFrame(two)];
    expect(new TextDecoder().decode(a)).toBe(formatSse(entry));
    expect(b).toBe(a);
    one.close("done");
    two.close("done");
  });

  test("different batches of the same entries are framed each from its own entries", async () => {
    const entries = [delta(1, "a"), delta(2, "b"), delta(3, "c")];
    const sink = new SseSink();
    sink.send(entries.slice(0, 2));
    sink.send(entries.slice(1));
    const reader = sink.stream.getReader();
    await reader.read();
    const decode = async () => new TextDecoder().decode((await reader.read()).value!);
    expect(await decode()).toBe(entries.slice(0, 2).map(formatSse).join(""));
    expect(await decode()).toBe(entries.slice(1).map(formatSse).join(""));
    sink.close("done");
  });
});
