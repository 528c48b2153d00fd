/**
 * What a real SDK adapter adds to the streaming relay, next to the built-in scripted model, in the
 * same run. Run: `bun test/bench/provider-bench.ts` (not part of `bun test`). Two levels:
 *  1. provider stream alone: µs per chunk draining `provider.stream()` — scripted model, a bare
 *     fetch of the fake upstream's SSE (HTTP + fake server baseline), each SDK adapter;
 *     "adapter cost" = adapter − bare fetch, i.e. the SDK's parsing plus our translation.
 *  2. the whole relay (actor, Redis checkpoint, SSE to a client): µs per chunk of a streamed send,
 *     scripted vs Anthropic through the fake upstream.
 * The fake upstream runs in this process, so its rendering is in the bare-fetch line too.
 */
import { AnthropicProvider } from "../../src/adapters/llm/anthropic/anthropic-provider.ts";
import { MistralProvider } from "../../src/adapters/llm/mistral/mistral-provider.ts";
import { OpenAIProvider } from "../../src/adapters/llm/openai/openai-provider.ts";
import { ScriptedProvider } from "../../src/adapters/llm/scripted/scripted-provider.ts";
import type { ModelProvider } from "../../src/ports/llm.ts";
import { startFakeUpstream, textReply, type UpstreamProvider } from "../support/fake-upstream.ts";
import { modelRequest } from "../support/model-request.ts";
import { startSpool } from "../support/spool.ts";
import { readSse } from "../support/sse.ts";

/** 2,000 chunks: a long answer; per-request setup is amortized to well under 1 µs/chunk. */
const CHUNKS = 2000;
/** 7 rounds per series, median reported: the first rounds pay JIT warm-up. */
const ROUNDS = 7;
/** Relay rounds are slower (Redis, SSE); 5 keeps the run under a minute on 2 cores. */
const RELAY_ROUNDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function drainParts(provider: ModelProvider, text: string): Promise<number> {
  let deltas = 0;
  for await (const part of provider.stream(modelRequest(text, { model: "bench", maxTokens: 4096 })))
    if (part.type === "block_delta") deltas++;
  if (deltas !== CHUNKS) throw new Error(`${provider.name}: ${deltas} chunks, expected ${CHUNKS}`);
  return deltas;
}

async function perChunkUs(run: () => Promise<unknown>, rounds = ROUNDS): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = Bun.nanoseconds();
    await run();
    samples.push((Bun.nanoseconds() - t0) / 1000 / CHUNKS);
  }
  return median(samples);
}

function row(label: string, us: number, note = ""): void {
  console.log(`${label.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/chunk  ${note}`);
}

async function providerLevel(): Promise<void> {
  const fake = await startFakeUpstream();
  for (const p of ["anthropic", "openai", "mistral"] as UpstreamProvider[])
    fake.setDefault(p, textReply(CHUNKS, "lorem "));
  const bare = async (p: UpstreamProvider, path: string) => {
    const response = await fetch(`${fake.urls[p]}${path}`, {
      method: "POST",
      body: JSON.stringify({ stream: true, stream_options: { include_usage: true } }),
    });
    await response.arrayBuffer();
  };
  const adapters: [UpstreamProvider, ModelProvider, string][] = [
    [
      "anthropic",
      new AnthropicProvider({ apiKey: "k", baseUrl: fake.urls.anthropic }),
      "/v1/messages",
    ],
    ["openai", new OpenAIProvider({ apiKey: "k", baseUrl: fake.urls.openai }), "/chat/completions"],
    [
      "mistral",
      new MistralProvider({ apiKey: "k", baseUrl: fake.urls.mistral }),
      "/v1/chat/completions",
    ],
  ];
  console.log(`\n1. provider stream alone, ${CHUNKS} chunks, median of ${ROUNDS}`);
  const scripted = await perChunkUs(() =>
    drainParts(new ScriptedProvider(), `[chunks=${CHUNKS}] [delay_ms=0]`),
  );
  row("spool/echo (scripted, no network)", scripted);
  for (const [name, provider, path] of adapters) {
    const baseline = await perChunkUs(() => bare(name, path));
    const adapter = await perChunkUs(() => drainParts(provider, "hi"));
    row(`${name}: bare fetch of the fake SSE`, baseline);
    row(
      `${name}: SDK adapter`,
      adapter,
      `adapter cost ≈ ${(adapter - baseline).toFixed(2)} µs/chunk`,
    );
  }
  await fake.stop();
}

async function relayLevel(): Promise<void> {
  const fake = await startFakeUpstream();
  fake.setDefault("anthropic", textReply(CHUNKS, "lorem "));
  const spool = await startSpool({
    ANTHROPIC_API_KEY: "k",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
  });
  const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "bench" });
  const turn = async (model: string, content: string) => {
    const response = await spool.call("POST", `/v1/threads/${thread.id}/messages`, {
      content,
      model,
      stream: true,
    });
    const events = await readSse(response, () => false, 60_000);
    const deltas = events.filter((e) => e.event === "block.delta").length;
    if (deltas !== CHUNKS) throw new Error(`${model}: ${deltas} chunks relayed`);
  };
  console.log(
    `\n2. whole relay (actor + Redis checkpoint + SSE), ${CHUNKS} chunks, median of ${RELAY_ROUNDS}`,
  );
  const scripted = await perChunkUs(
    () => turn("spool/echo", `[chunks=${CHUNKS}] [delay_ms=0]`),
    RELAY_ROUNDS,
  );
  const anthropic = await perChunkUs(() => turn("anthropic/claude-sonnet-4-6", "hi"), RELAY_ROUNDS);
  row("relay via spool/echo", scripted);
  row(
    "relay via Anthropic SDK adapter + fake upstream",
    anthropic,
    `difference ≈ ${(anthropic - scripted).toFixed(2)} µs/chunk`,
  );
  await spool.close();
  await fake.stop();
}

await providerLevel();
await relayLevel();
process.exit(0);
