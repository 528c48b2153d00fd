/**
 * `GET /v1/usage?end_user_id&from&to`: token totals from the usage ledger that the backfill worker
 * keeps (one entry per message, so retried jobs never double count). A secret key sees its tenant,
 * or one end user with `end_user_id`; an end-user token sees only itself. Totals lag a finished
 * message by the backfill job (normally well under a second).
 */
import { Elysia, t } from "elysia";
import { InvalidRequestError } from "../protocol/errors.ts";
import { UsageReportSchema } from "../protocol/resources.ts";
import { authenticate, effectiveEndUser } from "./auth.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

const UsageQuerySchema = t.Object({
  end_user_id: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
  from: t.Optional(t.String()),
  to: t.Optional(t.String()),
});

function parseTime(raw: string | undefined, param: string): number | null {
  if (raw === undefined || raw === "") return null;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) {
    throw new InvalidRequestError(`${param} must be an ISO-8601 timestamp.`, param);
  }
  return ms;
}

const DESCRIPTION = [
  "Token usage of the tenant (or of one end user) over a time window, by message creation time.",
  "`from` is inclusive and `to` exclusive, both ISO-8601; either may be left out (unbounded).",
  "An end-user token always sees its own usage; any other `end_user_id` is refused.",
  'Response: `{object: "usage", end_user_id, from, to, input_tokens, output_tokens,',
  "total_tokens, messages, estimated_messages}`. `estimated_messages` counts messages whose",
  "counts Spool computed itself (no provider count, or a stand-in tokenizer).",
].join(" ");

export function usageRoutes(services: Services) {
  return new Elysia().get(
    "/v1/usage",
    async ({ request, query }) => {
      const auth = await authenticate(services, request);
      const endUserId = effectiveEndUser(auth, query.end_user_id);
      const from = parseTime(query.from, "from");
      const to = parseTime(query.to, "to");
      if (from !== null && to !== null && to < from) {
        throw new InvalidRequestError("to must not be before from.", "to");
      }
      const totals = await services.store.usageTotals({
        tenantId: auth.tenantId,
        ...(endUserId === undefined ? {} : { endUserId }),
        from: from ?? 0,
        to: to ?? Number.MAX_SAFE_INTEGER,
      });
      return {
        object: "usage" as const,
        end_user_id: endUserId ?? null,
        from: from === null ? null : new Date(from).toISOString(),
        to: to === null ? null : new Date(to).toISOString(),
        input_tokens: totals.input_tokens,
        output_tokens: totals.output_tokens,
        total_tokens: totals.input_tokens + totals.output_tokens,
        messages: totals.messages,
        estimated_messages: totals.estimated_messages,
      };
    },
    {
      query: UsageQuerySchema,
      ...routeDoc({
        operationId: "getUsage",
        tag: "usage",
        summary: "Token usage totals",
        description: DESCRIPTION,
        access: "any_key",
        responses: { 200: UsageReportSchema },
        errors: [400],
      }),
    },
  );
}
