/**
 * The error body (`{error:{type, code, message, param?, request_id?}}`) as TypeBox schemas, one
 * per HTTP status with exactly the codes that status carries. Derived from STATUS_BY_CODE, so a
 * new code shows up in the OpenAPI and AsyncAPI documents (and their staleness tests) by itself.
 */
import { type TSchema, Type as t } from "@sinclair/typebox";
import { type ErrorCode, errorTypeOf, STATUS_BY_CODE } from "./errors.ts";

export function errorCodesFor(status: number): ErrorCode[] {
  return (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter((c) => STATUS_BY_CODE[c] === status);
}

/** Every status an AppError can have. */
export function errorStatuses(): number[] {
  return [...new Set(Object.values(STATUS_BY_CODE))].sort((a, b) => a - b);
}

function literals(values: string[]): TSchema {
  const [first, ...rest] = values.map((v) => t.Literal(v));
  if (!first) throw new Error("no values");
  return rest.length === 0 ? first : t.Union([first, ...rest]);
}

const CONFLICT_FIELDS = {
  /** seq_conflict: the thread's current last seq. */
  last_seq: t.Optional(t.Integer()),
  /** thread_busy: the seq of the generation still running. */
  busy_seq: t.Optional(t.Integer()),
};

/** The body of an error answer with `status`; `extra` fields (e.g. `last_seq`) are allowed. */
export function errorBodySchema(status: number) {
  const codes = errorCodesFor(status);
  if (codes.length === 0) throw new Error(`no error code has status ${status}`);
  return t.Object(
    {
      error: t.Object(
        {
          type: t.Literal(errorTypeOf(status)),
          code: literals(codes),
          message: t.String(),
          /** The request field to blame (`metadata.color`, `limit`, `if_last_seq`…). */
          param: t.Optional(t.String()),
          /** The request's `X-Request-Id` (quote it in bug reports). */
          request_id: t.Optional(t.String()),
          ...(status === 409 ? CONFLICT_FIELDS : {}),
        },
        { additionalProperties: true },
      ),
    },
    { title: `Error${status}` },
  );
}
