/** A ModelRequest of one user text, as a provider receives it; `extra` overrides any field. */
import type { ModelRequest } from "../../src/ports/llm.ts";

export function modelRequest(text: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: "echo",
    system: null,
    messages: [{ role: "user", content: [{ type: "text", text }] }],
    tools: [],
    maxTokens: 1000,
    temperature: null,
    signal: new AbortController().signal,
    ...extra,
  };
}
