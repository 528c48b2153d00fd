/**
 * SchemaValidator on ajv (JSON Schema draft-07, the dialect tool schemas of OpenAI, Anthropic and
 * Mistral are written in). Non-strict: unknown keywords (`examples`, vendor `x-…`) are ignored as
 * the model providers ignore them, but a schema that breaks the meta-schema does not compile.
 * Bounded: schemas over MAX_SCHEMA_BYTES are refused before compiling; compiled validators are
 * kept in an LRU of MAX_CACHED_SCHEMAS by the schema's JSON.
 */
import Ajv, { type ValidateFunction } from "ajv";
import type { SchemaCheck, SchemaValidator } from "../../ports/schema-validator.ts";

/** 64 KiB: far above any real tool schema; compile time grows with size. */
export const MAX_SCHEMA_BYTES = 64 * 1024;
/** 1,000 distinct schemas per process (a tenant's tools change rarely). */
const MAX_CACHED_SCHEMAS = 1000;
/** Errors listed to the model: enough to fix its input, short enough to read. */
const MAX_LISTED_ERRORS = 5;

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; message: string };

export class AjvSchemaValidator implements SchemaValidator {
  readonly #ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  readonly #cache = new Map<string, Compiled>();

  checkSchema(schema: Record<string, unknown>): SchemaCheck {
    const compiled = this.#compiled(schema);
    return compiled.ok ? { ok: true } : compiled;
  }

  validate(schema: Record<string, unknown>, value: unknown): SchemaCheck {
    const compiled = this.#compiled(schema);
    if (!compiled.ok) return compiled;
    if (compiled.validate(value)) return { ok: true };
    const errors = (compiled.validate.errors ?? []).slice(0, MAX_LISTED_ERRORS);
    const message = errors
      .map((e) => `${e.instancePath || "input"} ${e.message ?? "is invalid"}`)
      .join("; ");
    return { ok: false, message: message || "input does not match the tool's input_schema" };
  }

  #compiled(schema: Record<string, unknown>): Compiled {
    const key = JSON.stringify(schema);
    const hit = this.#cache.get(key);
    if (hit) {
      // LRU: re-insert so the oldest entry is the first one.
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const compiled = this.#compile(schema, key);
    if (this.#cache.size >= MAX_CACHED_SCHEMAS) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(key, compiled);
    return compiled;
  }

  #compile(schema: Record<string, unknown>, json: string): Compiled {
    if (Buffer.byteLength(json) > MAX_SCHEMA_BYTES)
      return { ok: false, message: `input_schema is over ${MAX_SCHEMA_BYTES} bytes` };
    try {
      // $id would register the schema globally in this ajv instance: compile a copy without it.
      const { $id: _ignored, ...rest } = schema;
      return { ok: true, validate: this.#ajv.compile(rest) };
    } catch (error) {
      return { ok: false, message: `input_schema does not compile: ${(error as Error).message}` };
    }
  }
}
