/**
 * Helpers of the /v1/ui/chat integration tests (ui-chat*.test.ts): raw posts, chunk parsing,
 * stored history. `uiKit.use(spool, base)` in each file's beforeAll points them at its server.
 */
import { expect } from "bun:test";
import type { UIMessage, UIMessageChunk } from "ai";
import type { TestSpool } from "./spool.ts";

let spool: TestSpool;
let base: string;

export const uiKit = {
  use(server: TestSpool, url: string) {
    spool = server;
    base = url;
  },
};

export const ECHO = { model: "spool/echo" };
export const WEATHER = { name: "get_weather", input_schema: { type: "object" } };
export type Meta = {
  thread_id: string;
  seq: number;
  usage?: { input_tokens: number };
  totalUsage?: object;
};
export type Stored = {
  seq: number;
  role: string;
  status: string;
  content: { type: string; text?: string }[];
};

/** What `[chunks=n]` makes spool/echo answer. */
export const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1} `).join("");
export const auth = (key = spool.secretKey) => ({ authorization: `Bearer ${key}` });
export const metaOf = (message: UIMessage | undefined) => message?.metadata as Meta;

export async function stored(threadId: string): Promise<Stored[]> {
  const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages?include=tools`);
  return (body as { data: Stored[] }).data;
}

export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function post(body: object, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/ui/chat`, {
    method: "POST",
    headers: { ...auth(), "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export const userMessage = (id: string, text: string): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});

export async function chunksOf(response: Response): Promise<UIMessageChunk[]> {
  const text = await response.text();
  expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: {"))
    .map((frame) => JSON.parse(frame.slice(6)) as UIMessageChunk);
}

/** What a part shows, without client-side bookkeeping (`providerMetadata`, stream part ids). */
export function shape(parts: UIMessage["parts"]) {
  return parts.map((part) => {
    const p = part as Record<string, unknown>;
    const keys = ["type", "text", "state", "toolCallId", "input", "output", "errorText"];
    return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
  });
}

export async function tenantOf(): Promise<string> {
  return (await spool.runtime.services.tokens.authenticate(spool.secretKey)).tenantId;
}
