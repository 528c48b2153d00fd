/**
 * What every compatibility route does around its translator: authenticate (the secret key or an
 * end-user token as the API key: `Authorization: Bearer`, or `x-api-key` as Anthropic's SDK
 * sends it), read the body itself (Elysia's parser is off, so even bad JSON gets the protocol's
 * error shape), and turn any error into that protocol's error body.
 */
import type { AuthContext } from "../../../domain/auth-context.ts";
import { UnauthorizedError, ValidationError } from "../../../protocol/errors.ts";
import type { CompatTurn, CompatTurnInput } from "../../../use-cases/compat-turns.ts";
import { bearer } from "../../auth.ts";
import type { Services } from "../../services.ts";
import { type CompatProtocol, compatErrorResponse } from "./compat-errors.ts";
import {
  idempotencyKey,
  type JsonObject,
  readJsonObject,
  requestFingerprint,
  type TurnRequest,
  threadIdHeader,
} from "./compat-request.ts";

export async function compatAuth(services: Services, request: Request): Promise<AuthContext> {
  const credential = bearer(request, false) ?? request.headers.get("x-api-key");
  if (!credential) throw new UnauthorizedError();
  return services.tokens.authenticate(credential.trim());
}

export function compatBody(services: Services, request: Request): Promise<JsonObject> {
  return readJsonObject(request, services.config.limits.maxBodyBytes);
}

/** Runs a handler; whatever it throws is answered in `protocol`'s error shape. */
export async function guarded(
  services: Services,
  protocol: CompatProtocol,
  handler: () => Promise<Response>,
): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    return compatErrorResponse(
      protocol,
      error,
      services.logger,
      services.config.limits.maxBodyBytes,
    );
  }
}

export function jsonResponse(body: unknown, headers: Record<string, string> = {}, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** An unknown model is refused before a thread is made for it. */
export function requireModel(services: Services, model: string): void {
  if (!services.catalog.resolve(model))
    throw new ValidationError(`Unknown model "${model}". GET /models lists them.`, "model");
}

/** The send fields a parsed protocol request sets (no content: the use case picks the new ones). */
export function sendFields(turn: TurnRequest): CompatTurnInput["body"] {
  return {
    model: turn.model,
    ...(turn.system === null ? {} : { system: turn.system }),
    ...(turn.tools.length > 0 ? { tools: turn.tools, tools_mode: "client" as const } : {}),
    ...(turn.maxTokens === undefined ? {} : { max_tokens: turn.maxTokens }),
    ...(turn.temperature === undefined ? {} : { temperature: turn.temperature }),
  };
}

/**
 * Starts the turn of a parsed protocol request through the compat use case: the model checked
 * first, the thread named by `Spool-Thread-Id` unless the protocol named one, retries told apart
 * by the request's fingerprint (`kind` keeps the protocols' fingerprints apart).
 */
export function startCompatTurn(
  services: Services,
  auth: AuthContext,
  request: Request,
  body: JsonObject,
  parsed: TurnRequest,
  options: {
    transport: CompatTurnInput["transport"];
    kind: string;
    threadId?: string | null;
    allNew?: boolean;
  },
): Promise<CompatTurn> {
  requireModel(services, parsed.model);
  return services.compat.start(auth, {
    transport: options.transport,
    threadId: options.threadId === undefined ? threadIdHeader(request) : options.threadId,
    endUserId: parsed.user,
    messages: parsed.messages,
    allNew: options.allNew ?? false,
    body: sendFields(parsed),
    idempotencyKey: idempotencyKey(request),
    requestFingerprint: requestFingerprint(body, options.kind),
  });
}
