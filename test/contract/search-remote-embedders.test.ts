// The OpenAI and Mistral embedders against local fake upstreams (real HTTP on loopback, the real
// SDKs): batching, order by `index`, L2 normalization, and error mapping to provider-neutral kinds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MistralEmbedder } from "../../src/adapters/embed/mistral-embedder.ts";
import { OpenAiEmbedder } from "../../src/adapters/embed/openai-embedder.ts";

interface Received {
  path: string;
  inputs: string[];
}

let server: ReturnType<typeof Bun.serve>;
const received: Received[] = [];
let failWith: number | null = null;

/** Vector for input text: [length, 1, 0, …] (unnormalized), so order and normalization show. */
function fakeVector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => (i === 0 ? text.length : i === 1 ? 1 : 0));
}

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const body = (await request.json()) as { model: string; input: string | string[] };
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      received.push({ path: url.pathname, inputs });
      if (failWith !== null) {
        return Response.json(
          { error: { message: "nope", type: "x", code: "x" } },
          { status: failWith },
        );
      }
      const dims = body.model === "mistral-embed" ? 1024 : 1536;
      // Reversed on purpose: clients must order by `index`.
      const data = inputs
        .map((text, index) => ({ object: "embedding", index, embedding: fakeVector(text, dims) }))
        .reverse();
      return Response.json({
        id: "emb_1",
        object: "list",
        model: body.model,
        data,
        usage: { prompt_tokens: 1, total_tokens: 1, completion_tokens: 0 },
      });
    },
  });
});

afterAll(() => {
  server.stop(true);
});

const base = () => `http://127.0.0.1:${server.port}`;

describe("remote embedders", () => {
  test("openai: batches, input order, unit vectors", async () => {
    received.length = 0;
    failWith = null;
    const embedder = new OpenAiEmbedder({
      apiKey: "sk-test",
      baseUrl: `${base()}/v1`,
      model: null,
      maxRetries: 0,
    });
    expect(embedder.dimensions).toBe(1536);
    const texts = Array.from({ length: 300 }, (_, i) => "x".repeat(i + 1));
    const vectors = await embedder.embed(texts);
    expect(received.map((r) => [r.path, r.inputs.length])).toEqual([
      ["/v1/embeddings", 256],
      ["/v1/embeddings", 44],
    ]);
    vectors.forEach((v, i) => {
      const expected = [i + 1, 1].map((x) => x / Math.hypot(i + 1, 1));
      expect(v[0]).toBeCloseTo(expected[0]!, 5);
      expect(v[1]).toBeCloseTo(expected[1]!, 5);
    });
  });

  test("mistral: batches, input order, unit vectors; empty input sent as a placeholder", async () => {
    received.length = 0;
    failWith = null;
    const embedder = new MistralEmbedder({ apiKey: "key", baseUrl: base(), model: null });
    expect(embedder.dimensions).toBe(1024);
    const vectors = await embedder.embed([
      "",
      ...Array.from({ length: 70 }, (_, i) => "y".repeat(i + 1)),
    ]);
    expect(received.map((r) => r.inputs.length)).toEqual([64, 7]);
    expect(received[0]?.inputs[0]).toBe("(empty)");
    expect(vectors.length).toBe(71);
    expect(vectors[5]![0]).toBeCloseTo(5 / Math.hypot(5, 1), 5);
  });

  test("errors become provider-neutral kinds", async () => {
    const openai = new OpenAiEmbedder({
      apiKey: "sk-test",
      baseUrl: `${base()}/v1`,
      model: null,
      maxRetries: 0,
    });
    const mistral = new MistralEmbedder({ apiKey: "key", baseUrl: base(), model: null });
    for (const [status, kind] of [
      [429, "rate_limited"],
      [401, "auth"],
      [400, "rejected"],
      [503, "unavailable"],
    ] as const) {
      failWith = status;
      await expect(openai.embed(["a"])).rejects.toMatchObject({ kind });
      // Mistral's SDK retries 5xx/429 only when a retry config says so; none is set.
      await expect(mistral.embed(["a"])).rejects.toMatchObject({ kind });
    }
    failWith = null;
  });

  test("unknown models need their dimensions", () => {
    expect(() => new OpenAiEmbedder({ apiKey: "k", baseUrl: null, model: "my-model" })).toThrow(
      /dimensions/,
    );
    expect(
      new OpenAiEmbedder({ apiKey: "k", baseUrl: null, model: "my-model", dimensions: 384 })
        .dimensions,
    ).toBe(384);
  });
});
