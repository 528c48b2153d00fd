/**
 * compact-thread: asks the summarizer model (SUMMARY_MODEL, else the thread's model) for a summary
 * of the transcript the owner built, and leaves it as the thread's summary draft; the owner
 * appends it as the `summary` message at its next turn (the owner stays the thread's only writer,
 * wherever the job ran). Idempotent: a second run puts an equivalent draft, which the owner takes
 * at most once (it appends only a draft newer than its latest summary).
 */

import { SUMMARY_MAX_OUTPUT_TOKENS, SUMMARY_SYSTEM_PROMPT } from "../src/domain/summary-prompt.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { ModelCatalog } from "../src/ports/llm.ts";
import type { Logger } from "../src/ports/logger.ts";
import {
  type CompactPayload,
  CompactPayloadSchema,
  PermanentJobError,
} from "../src/protocol/jobs.ts";
import { parsePayload } from "./job-payloads.ts";

/** 1 h: a draft nobody appended (the thread went quiet) is dropped; the next cut makes another. */
export const SUMMARY_DRAFT_TTL_MS = 3_600_000;
/** 2 min: a summary is one bounded call; a hung provider must not hold the job for ever. */
const SUMMARY_CALL_TIMEOUT_MS = 120_000;

export interface CompactDeps {
  checkpoint: CheckpointStore;
  /** Loaded on first use: worker processes that never compact do not load provider SDKs. */
  catalog: () => Promise<ModelCatalog>;
  logger: Logger;
}

export function parseCompactPayload(data: unknown): CompactPayload {
  return parsePayload(CompactPayloadSchema, data, "compact-thread");
}

export async function compactThread(
  deps: CompactDeps,
  payload: CompactPayload,
): Promise<{ chars: number }> {
  const resolved = (await deps.catalog()).resolve(payload.model);
  if (!resolved) throw new PermanentJobError(`summary model ${payload.model} is not configured`);
  const signal = AbortSignal.timeout(SUMMARY_CALL_TIMEOUT_MS);
  let text = "";
  let usage = { input: 0, output: 0 };
  for await (const part of resolved.provider.stream({
    model: resolved.model,
    system: SUMMARY_SYSTEM_PROMPT,
    messages: [{ role: "user", content: [{ type: "text", text: payload.transcript }] }],
    tools: [],
    maxTokens: SUMMARY_MAX_OUTPUT_TOKENS,
    temperature: 0,
    signal,
  })) {
    if (part.type === "block_delta" && part.delta.type === "text_delta") text += part.delta.text;
    if (part.type === "usage")
      usage = {
        input: part.input_tokens ?? usage.input,
        output: part.output_tokens ?? usage.output,
      };
  }
  text = text.trim();
  if (text === "") throw new Error("the summary model answered with no text");
  await deps.checkpoint.putSummaryDraft(
    payload.thread_id,
    {
      covers_through_seq: payload.covers_through_seq,
      text,
      model: payload.model,
      input_tokens: usage.input,
      output_tokens: usage.output,
    },
    SUMMARY_DRAFT_TTL_MS,
  );
  deps.logger.debug("summary draft ready", {
    thread: payload.thread_id,
    covers_through_seq: payload.covers_through_seq,
  });
  return { chars: text.length };
}
