/**
 * Built-in output limits per model (`max_output_tokens` in GET /v1/models), the one place they
 * live: a send's `max_tokens` is checked and an end-user token's clamped against these. Matched by
 * the provider's model name, first pattern wins; a model nobody listed gets the provider's
 * default. Figures are the providers' published maxima (late 2026); a later issue adds overrides
 * (`MODEL_LIMITS`) on top of this table.
 */

/** spool/echo answers at most 16,384 chunks (API.md); one chunk counts as one token. */
export const ECHO_MAX_OUTPUT_TOKENS = 16_384;

const TABLE: ReadonlyArray<{ provider: string; pattern: RegExp; maxOutputTokens: number }> = [
  { provider: "spool", pattern: /^echo$/, maxOutputTokens: ECHO_MAX_OUTPUT_TOKENS },
  { provider: "anthropic", pattern: /^claude-opus-4-[01]/, maxOutputTokens: 32_000 },
  { provider: "anthropic", pattern: /^claude-(opus|sonnet|haiku)-4/, maxOutputTokens: 64_000 },
  { provider: "anthropic", pattern: /^claude-3-7/, maxOutputTokens: 64_000 },
  { provider: "anthropic", pattern: /^claude-3-5/, maxOutputTokens: 8192 },
  { provider: "anthropic", pattern: /^claude-3-/, maxOutputTokens: 4096 },
  { provider: "openai", pattern: /^gpt-5/, maxOutputTokens: 128_000 },
  { provider: "openai", pattern: /^(o1|o3|o4)/, maxOutputTokens: 100_000 },
  { provider: "openai", pattern: /^gpt-4\.1/, maxOutputTokens: 32_768 },
  { provider: "openai", pattern: /^gpt-4o/, maxOutputTokens: 16_384 },
  { provider: "mistral", pattern: /^(magistral|codestral)/, maxOutputTokens: 40_000 },
];

/** Providers' defaults for models not in the table (compatible endpoints: a common local max). */
const PROVIDER_DEFAULTS: Readonly<Record<string, number>> = {
  spool: ECHO_MAX_OUTPUT_TOKENS,
  anthropic: 32_000,
  openai: 32_768,
  mistral: 32_768,
};
const COMPATIBLE_DEFAULT_MAX_OUTPUT_TOKENS = 32_768;

export function maxOutputTokensOf(provider: string, model: string): number {
  const row = TABLE.find((r) => r.provider === provider && r.pattern.test(model));
  return (
    row?.maxOutputTokens ?? PROVIDER_DEFAULTS[provider] ?? COMPATIBLE_DEFAULT_MAX_OUTPUT_TOKENS
  );
}
