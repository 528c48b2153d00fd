// The compact-thread job: it asks the named model for a summary of the transcript it carries and
// leaves the answer as the thread's draft; a malformed payload, an unconfigured model or an empty
// answer never writes a draft (the first two fail for good, the last is retried).
import { expect, test } from "bun:test";
import { ProviderRegistry } from "../../src/adapters/llm/provider-registry.ts";
import { FakeClock } from "../../src/adapters/memory/fake-clock.ts";
import { MemoryCheckpointStore } from "../../src/adapters/memory/memory-checkpoint-store.ts";
import { MemoryLeaseStore } from "../../src/adapters/memory/memory-lease-store.ts";
import type { ModelProvider, ModelRequest, ModelStreamPart } from "../../src/ports/llm.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { compactThread, parseCompactPayload } from "../../workers/compact-thread.ts";

function summarizer(answer: string, seen: ModelRequest[]): ModelProvider {
  return {
    name: "summ",
    capabilities: { images: false, tools: false },
    models: () => ["small"],
    async *stream(request): AsyncIterable<ModelStreamPart> {
      seen.push(request);
      yield { type: "usage", input_tokens: 300, output_tokens: 0 };
      yield { type: "block_start", index: 0, block: { type: "text", text: "" } };
      yield { type: "block_delta", index: 0, delta: { type: "text_delta", text: answer } };
      yield { type: "block_stop", index: 0 };
      yield { type: "usage", output_tokens: 12 };
      yield { type: "stop", reason: "end_turn" };
    },
  };
}

function setup(answer: string) {
  const clock = new FakeClock();
  const checkpoint = new MemoryCheckpointStore(new MemoryLeaseStore(clock), clock);
  const seen: ModelRequest[] = [];
  const catalog = new ProviderRegistry([summarizer(answer, seen)]);
  return {
    deps: { checkpoint, catalog: async () => catalog, logger: silentLogger },
    seen,
    checkpoint,
  };
}

const payload = {
  tenant_id: "ten_1",
  thread_id: "thr_1",
  covers_through_seq: 40,
  model: "summ/small",
  transcript: "[user]\nplan the trip\n",
};

test("the summary becomes the thread's draft, with the call's usage", async () => {
  const { deps, seen, checkpoint } = setup("  Trip to Oslo planned.  ");
  expect(await compactThread(deps, payload)).toEqual({ chars: 21 });
  expect(seen[0]?.model).toBe("small");
  expect(seen[0]?.messages[0]?.content).toEqual([{ type: "text", text: payload.transcript }]);
  expect(seen[0]?.tools).toEqual([]);
  expect(await checkpoint.readSummaryDraft("thr_1")).toEqual({
    covers_through_seq: 40,
    text: "Trip to Oslo planned.",
    model: "summ/small",
    input_tokens: 300,
    output_tokens: 12,
  });
});

test("an unconfigured model fails for good; an empty answer is retried; neither writes a draft", async () => {
  const { deps, checkpoint } = setup("   ");
  const unknown = compactThread(deps, { ...payload, model: "gone/model" });
  await expect(unknown).rejects.toMatchObject({ code: "permanent_job_error" });
  await expect(compactThread(deps, payload)).rejects.toThrow(/no text/);
  expect(await checkpoint.readSummaryDraft("thr_1")).toBeNull();
});

test("a malformed payload fails for good", () => {
  for (const bad of [null, {}, { ...payload, covers_through_seq: 0 }, { ...payload, model: 5 }])
    expect(() => parseCompactPayload(bad)).toThrow(
      expect.objectContaining({ code: "permanent_job_error" }),
    );
});
