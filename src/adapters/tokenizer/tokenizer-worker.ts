/**
 * Entry of the tokenizer's worker thread (ThreadedTokenizer): counts one request at a time with
 * TiktokenTokenizer and posts the answer back. Runs as a Web Worker on Bun and Deno alike.
 */
import { TiktokenTokenizer } from "./tiktoken-tokenizer.ts";

export interface CountRequest {
  id: number;
  model: string | null;
  /** Heads of the texts (at most MAX_COUNTED_CHARS each: less to copy between threads). */
  texts: string[];
  /** The whole texts' lengths. */
  lengths: number[];
}

export type CountReply =
  | { id: number; ok: true; tokens: number; exact: boolean }
  | { id: number; ok: false; error: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<CountRequest>) => void) | null;
  postMessage(message: CountReply): void;
}

const scope = globalThis as unknown as WorkerScope;
const tokenizer = new TiktokenTokenizer();

scope.onmessage = (event) => {
  const { id, model, texts, lengths } = event.data;
  try {
    scope.postMessage({ id, ok: true, ...tokenizer.countNow(model, texts, lengths) });
  } catch (error) {
    scope.postMessage({ id, ok: false, error: String(error) });
  }
};
