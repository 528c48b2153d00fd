/** Payload checks shared by the handlers: a malformed payload can never succeed, so it is permanent. */
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { PermanentJobError } from "../src/protocol/jobs.ts";

export function parsePayload<S extends TSchema>(schema: S, data: unknown, job: string): Static<S> {
  if (!Value.Check(schema, data)) throw new PermanentJobError(`invalid ${job} payload`);
  return data as Static<S>;
}
