/**
 * Token counting for the backfill-tokens worker. `count` tokenizes texts with the tokenizer of the
 * model's provider where Spool ships one (OpenAI's BPE ranks), else with a close stand-in; `exact`
 * says which, and becomes `usage.estimated = !exact`. Offline (no downloads), bounded in time
 * whatever the text, and asynchronous so that an adapter can count off the caller's event loop.
 */
export interface TokenCount {
  tokens: number;
  /** True when this is the provider's own tokenizer for that model (and nothing was estimated). */
  exact: boolean;
}

export interface Tokenizer {
  /** `model` as stored on the message (`openai/gpt-4o`, `claude-…`, null for user messages). */
  count(model: string | null, texts: string[]): Promise<TokenCount>;
}
