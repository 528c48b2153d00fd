/**
 * What the compatibility routes declare in the OpenAPI document (src/http/route-docs.ts): their
 * protocol's error body, the Spool headers they take and return, and the statuses they answer.
 */
import type { TSchema } from "@sinclair/typebox";
import { AnthropicErrorBodySchema, OpenAIErrorBodySchema } from "../../../protocol/compat-wire.ts";
import { IDEMPOTENCY_KEY, type RouteDocSpec, routeDoc, type SuccessDoc } from "../../route-docs.ts";
import type { CompatProtocol } from "./compat-errors.ts";

export const THREAD_ID_PARAMETER = {
  name: "Spool-Thread-Id",
  in: "header",
  required: false,
  description: "The Spool thread to continue (otherwise found by the history's fingerprint).",
  schema: { type: "string" },
};

export const TURN_HEADERS = {
  "Spool-Thread-Id": "The thread the call landed in.",
  "Spool-Message-Seq": "The seq of the assistant message (or the last message).",
};

/** A turn: JSON, or the protocol's event stream with `stream: true`. */
export function turnAnswer(description: string, json: TSchema, event: TSchema): SuccessDoc {
  return { description, json, eventStream: event, headers: TURN_HEADERS };
}

export function compatDoc(
  protocol: CompatProtocol,
  spec: Omit<RouteDocSpec, "tag" | "access" | "errorBody"> & { turn?: boolean },
) {
  const { turn, ...rest } = spec;
  return routeDoc({
    ...rest,
    tag: "compat",
    access: "any_key",
    errorBody: protocol === "openai" ? OpenAIErrorBodySchema : AnthropicErrorBodySchema,
    errors: [...(spec.errors ?? []), ...(turn ? [400, 404, 409, 413, 422, 502] : [])],
    parameters: [
      ...(spec.parameters ?? []),
      ...(turn ? [THREAD_ID_PARAMETER, IDEMPOTENCY_KEY] : []),
    ],
  });
}
