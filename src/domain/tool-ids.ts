/**
 * Tool ids rewritten to a provider's rules, for one request. The model adapters
 * (adapters/llm/<provider>/) build one `ToolIdMapper` per request and pass every tool_use id and
 * tool_result tool_use_id through it, so a call and its result always map to the same id. Ids
 * that already fit are kept (a provider gets its own ids back unchanged); the others are hashed
 * (FNV-1a 64, base62) and re-salted on a collision. Fitting ids are placed first, so a hashed id
 * can never take an id the provider itself issued.
 */

export interface ToolIdRules {
  /** True when the provider accepts `id` as it is. */
  fits(id: string): boolean;
  /** Prepended to a hashed id. */
  prefix: string;
  /** Base62 characters of hash after the prefix. */
  hashChars: number;
}

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** OpenAI documents no pattern; 40 printable ASCII characters is what every endpoint takes. */
const OPENAI_ID = /^[\x21-\x7e]{1,40}$/;
const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

export const ANTHROPIC_TOOL_IDS: ToolIdRules = {
  fits: (id) => ANTHROPIC_ID.test(id),
  prefix: "toolu_",
  hashChars: 24,
};

export const OPENAI_TOOL_IDS: ToolIdRules = {
  fits: (id) => OPENAI_ID.test(id),
  prefix: "call_",
  hashChars: 24,
};

/** Mistral takes exactly 9 alphanumerics: 62^9 ≈ 2^53 ids, so collisions stay rare and handled. */
export const MISTRAL_TOOL_IDS: ToolIdRules = {
  fits: (id) => MISTRAL_ID.test(id),
  prefix: "",
  hashChars: 9,
};

/** Maps Spool tool ids to provider ids; one instance per request. */
export class ToolIdMapper {
  readonly #rules: ToolIdRules;
  readonly #byId = new Map<string, string>();
  readonly #taken = new Set<string>();

  /** `ids`: every id the request will map, so that ids which fit are reserved first. */
  constructor(rules: ToolIdRules, ids: Iterable<string> = []) {
    this.#rules = rules;
    const all = [...new Set(ids)];
    for (const id of all) {
      if (rules.fits(id)) this.#assign(id, id);
    }
    for (const id of all) this.map(id);
  }

  map(id: string): string {
    const known = this.#byId.get(id);
    if (known !== undefined) return known;
    if (this.#rules.fits(id) && !this.#taken.has(id)) return this.#assign(id, id);
    for (let salt = 0; ; salt++) {
      const candidate =
        this.#rules.prefix + hashBase62(`${id}\u0000${salt}`, this.#rules.hashChars);
      if (!this.#taken.has(candidate)) return this.#assign(id, candidate);
    }
  }

  #assign(id: string, providerId: string): string {
    this.#byId.set(id, providerId);
    this.#taken.add(providerId);
    return providerId;
  }
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;
/** 62^10 < 2^64: ten base62 digits per 64-bit round. */
const DIGITS_PER_ROUND = 10;

function fnv1a64(bytes: Uint8Array): bigint {
  let hash = FNV_OFFSET;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

/** `length` base62 characters derived from `input`; each round hashes a fresh seed. */
export function hashBase62(input: string, length: number): string {
  const encoder = new TextEncoder();
  let out = "";
  for (let round = 0; out.length < length; round++) {
    let value = fnv1a64(encoder.encode(`${round}:${input}`));
    for (let i = 0; i < DIGITS_PER_ROUND && out.length < length; i++) {
      out += BASE62[Number(value % 62n)];
      value /= 62n;
    }
  }
  return out;
}
