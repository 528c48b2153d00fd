/**
 * What a send may ask for, by credential (API.md "End-user policy"), pure: the seam calls it with
 * the resolved model and its output limit and runs the body it returns. A secret key may ask for
 * anything configured, but not more output than the model has (422). An end-user token may not
 * set `system` (the policy's is used), may use only `policy.models`, has `max_tokens` clamped to
 * the policy and the model, and tenant tools only where the policy names that mode (with no
 * `policy.tools`, every registered tool; with it, only those). No policy: no system, no tenant tools.
 */
import { ValidationError } from "../protocol/errors.ts";
import type { EndUserPolicy, SendBody, ToolsMode } from "../protocol/requests.ts";

export interface PolicyModel {
  /** Canonical `provider/name` of the resolved model. */
  id: string;
  /** The model's own output limit (model catalog). */
  maxOutputTokens: number;
}

export interface PolicyCaller {
  endUser: boolean;
  policy: EndUserPolicy | null;
}

export function toolsModeOf(body: SendBody): ToolsMode {
  return body.tools_mode ?? (body.tools?.length ? "client" : "none");
}

/** The body the turn runs with; throws ValidationError (param) for what the caller may not ask. */
export function applySendPolicy(
  body: SendBody,
  caller: PolicyCaller,
  model: PolicyModel | null,
  defaultMaxTokens: number,
): SendBody {
  if (!caller.endUser) {
    if (model && body.max_tokens !== undefined && body.max_tokens > model.maxOutputTokens) {
      throw new ValidationError(
        `max_tokens is at most ${model.maxOutputTokens} for ${model.id}.`,
        "max_tokens",
      );
    }
    return body;
  }
  const policy = caller.policy ?? {};
  if (body.system !== undefined) {
    throw new ValidationError("An end-user token may not set system.", "system");
  }
  const out: SendBody = { ...body };
  if (policy.system !== undefined) out.system = policy.system;
  if (model) {
    if (
      policy.models &&
      !policy.models.includes(model.id) &&
      !policy.models.includes(body.model!)
    ) {
      throw new ValidationError(`This token may not use model ${model.id}.`, "model");
    }
    const wanted = body.max_tokens ?? defaultMaxTokens;
    out.max_tokens = Math.min(wanted, policy.max_tokens ?? wanted, model.maxOutputTokens);
  }
  const mode = toolsModeOf(body);
  const allowedModes: ToolsMode[] = policy.tools_mode ?? ["none", "client"];
  if (!allowedModes.includes(mode)) {
    throw new ValidationError(`This token may not use tools_mode "${mode}".`, "tools_mode");
  }
  if (mode === "tenant" && policy.tools) {
    if (policy.tools.length === 0) {
      throw new ValidationError("This token names no tenant tools.", "tools_mode");
    }
    const named = new Set(policy.tools);
    const refused = body.tools?.find((tool) => !named.has(tool.name));
    if (refused) throw new ValidationError(`This token may not use tool ${refused.name}.`, "tools");
    // Without `tools`, tenant mode offers every registered tool: narrow it to the policy's.
    if (!body.tools?.length) out.tools = policy.tools.map((name) => ({ name }));
  }
  return out;
}
