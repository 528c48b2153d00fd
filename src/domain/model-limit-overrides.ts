/**
 * Parses MODEL_LIMITS (`{"provider/name": {"context_window": n, "max_output_tokens": n}}`): the
 * operator's per-model limits, set on top of the built-in table (adapters/llm/model-limits.ts),
 * for compatible providers too. Pure: config.ts hands the raw text and lists the problems with
 * every other configuration error, so a typo stops start-up instead of a turn failing later.
 */

/** Limits set by MODEL_LIMITS, by `provider/name`; a field left out keeps the built-in value. */
export type ModelLimitOverrides = Record<string, ModelLimitOverride>;

export interface ModelLimitOverride {
  contextWindow?: number;
  maxOutputTokens?: number;
}

/** 100M tokens: far above any model's window, a bound on a typo (an extra few zeros). */
const MAX_MODEL_LIMIT_TOKENS = 100_000_000;
const FIELDS = ["context_window", "max_output_tokens"];

export function parseModelLimits(raw: string | null): {
  limits: ModelLimitOverrides;
  problems: string[];
} {
  const problems: string[] = [];
  const limits: ModelLimitOverrides = {};
  if (raw === null) return { limits, problems };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('MODEL_LIMITS: expected JSON like {"provider/name": {"context_window": 8000}}');
    return { limits, problems };
  }
  if (!isPlainObject(parsed)) {
    problems.push("MODEL_LIMITS: expected a JSON object keyed by provider/name");
    return { limits, problems };
  }
  for (const [id, value] of Object.entries(parsed)) {
    const entry = parseEntry(id, value, (text) => problems.push(`MODEL_LIMITS["${id}"]: ${text}`));
    if (entry) limits[id] = entry;
  }
  return { limits, problems };
}

function parseEntry(
  id: string,
  value: unknown,
  problem: (text: string) => void,
): ModelLimitOverride | null {
  if (!/^[^/\s]+\/\S+$/.test(id)) {
    problem("the key must be provider/name");
    return null;
  }
  if (!isPlainObject(value)) {
    problem("expected an object");
    return null;
  }
  const unknown = Object.keys(value).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) problem(`unknown field ${unknown.join(", ")}`);
  const tokens = (field: string): number | undefined => {
    const n = value[field];
    if (n === undefined) return undefined;
    if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_MODEL_LIMIT_TOKENS)
      return n;
    problem(`${field} must be a whole number from 1 to ${MAX_MODEL_LIMIT_TOKENS}`);
    return undefined;
  };
  const contextWindow = tokens("context_window");
  const maxOutputTokens = tokens("max_output_tokens");
  if (contextWindow === undefined && maxOutputTokens === undefined) {
    if (unknown.length === 0 && Object.keys(value).length === 0)
      problem("set context_window, max_output_tokens or both");
    return null;
  }
  if (
    contextWindow !== undefined &&
    maxOutputTokens !== undefined &&
    maxOutputTokens >= contextWindow
  )
    problem("max_output_tokens must be less than context_window");
  return {
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
