/**
 * JSON Schema checks for tenant tools: a tool's `input_schema` must compile (registration), and
 * each model-produced input must satisfy it before Spool calls the tool. Compiled schemas are
 * cached by their JSON, so a tool's schema is compiled once per process, not once per call.
 */
export type SchemaCheck = { ok: true } | { ok: false; message: string };

export interface SchemaValidator {
  /** Whether `schema` is a usable JSON Schema (size-bounded, compiles). */
  checkSchema(schema: Record<string, unknown>): SchemaCheck;
  /** Whether `value` satisfies `schema`; a schema that does not compile fails every value. */
  validate(schema: Record<string, unknown>, value: unknown): SchemaCheck;
}
