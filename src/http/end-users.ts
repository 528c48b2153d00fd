/**
 * `DELETE /v1/end_users/:end_user_id` (secret key only): erases everything of one end user of the
 * tenant (use-cases/end-user-erasure.ts). The id is checked like every end_user_id (1–256
 * characters, no control characters, well-formed), so hostile input is a 4xx, never a scan.
 */
import { Elysia } from "elysia";
import { hasControlChars, isWellFormed } from "../domain/input-bounds.ts";
import { InvalidRequestError, ValidationError } from "../protocol/errors.ts";
import { ErasedEndUserSchema } from "../protocol/resources.ts";
import { authenticate, requireSecretKey } from "./auth.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

const END_USER_ID_MAX_CHARS = 256;

export function endUserRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/end_users" }).delete(
    "/:end_user_id",
    async ({ request }) => {
      const auth = await authenticate(services, request);
      requireSecretKey(auth);
      const endUserId = endUserIdOf(request);
      const result = await services.erasure.erase(auth.tenantId, endUserId);
      return {
        id: endUserId,
        object: "end_user" as const,
        deleted: true as const,
        threads_deleted: result.threadsDeleted,
        usage_entries_anonymized: result.usageEntriesAnonymized,
      };
    },
    routeDoc({
      operationId: "eraseEndUser",
      tag: "auth",
      summary: "Erase an end user: every thread, message, search entry and hot-tier key",
      description:
        "Their end-user tokens stop working at once (every node), each of their threads is " +
        "deleted as by `DELETE /v1/threads/:id` (on whichever node runs it), the compatibility " +
        "index entries that name their threads go, and their usage-ledger entries keep their " +
        "counts without the end user id. Idempotent: a repeat finishes an erasure cut short.",
      access: "secret_key",
      responses: { 200: ErasedEndUserSchema },
      errors: [400, 404, 422],
    }),
  );
}

/** The raw path segment, decoded here: a malformed escape is a 400, not whatever a router does. */
function endUserIdOf(request: Request): string {
  const raw = new URL(request.url).pathname.split("/").pop() ?? "";
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new InvalidRequestError("end_user_id is not a well-formed URL component.", "end_user_id");
  }
  if (id.length === 0 || id.length > END_USER_ID_MAX_CHARS || hasControlChars(id)) {
    throw new ValidationError(
      `end_user_id must be 1–${END_USER_ID_MAX_CHARS} characters without control characters.`,
      "end_user_id",
    );
  }
  if (!isWellFormed(id))
    throw new ValidationError("end_user_id is not well-formed.", "end_user_id");
  return id;
}
