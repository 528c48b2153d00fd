/**
 * Authentication and scoping for routes: the bearer credential (or `?token=` where browsers
 * cannot send headers: SSE and WebSocket), the admin key, and loading a thread so that another
 * tenant's or end user's thread is exactly as absent as a missing one (404).
 */
import { timingSafeEqual } from "node:crypto";
import type { AuthContext } from "../domain/auth-context.ts";
import type { ThreadRecord } from "../domain/records.ts";
import { InvalidRequestError, UnauthorizedError } from "../protocol/errors.ts";
import { noteTenant } from "./request-context.ts";
import type { Services } from "./services.ts";

export function bearer(request: Request, allowQueryToken: boolean): string | null {
  const header = request.headers.get("authorization");
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  if (allowQueryToken) return new URL(request.url).searchParams.get("token");
  return null;
}

/**
 * Resolves the credential, then counts the request against its end user's request bucket (API.md
 * "other requests with an end-user token"). `kind: "send"`: the seam counts it as a send instead;
 * `"upgrade"`: a WebSocket upgrade, whose frames are counted one by one instead.
 */
export async function authenticate(
  services: Services,
  request: Request,
  allowQueryToken = false,
  kind: "request" | "send" | "upgrade" = "request",
): Promise<AuthContext> {
  const credential = bearer(request, allowQueryToken);
  if (!credential) throw new UnauthorizedError();
  const auth = await services.tokens.authenticate(credential);
  noteTenant(request, auth.tenantId);
  if (kind === "request") await services.limits.request(auth);
  return auth;
}

export function requireAdmin(services: Services, request: Request): void {
  const expected = services.config.adminKey;
  const given = bearer(request, false);
  if (!expected || !given) throw new UnauthorizedError("Admin key required (set ADMIN_KEY).");
  if (!isAdminKey(expected, given)) throw new UnauthorizedError();
}

/** Constant-time comparison with the configured admin key (false when none is configured). */
export function isAdminKey(expected: string | null, given: string): boolean {
  if (!expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireSecretKey(auth: AuthContext): void {
  if (auth.endUserId !== null) throw new UnauthorizedError("This call needs a secret key.");
}

/** The end user a request acts for: implied by an end-user token, any other value refused. */
export function effectiveEndUser(
  auth: AuthContext,
  requested: string | undefined,
): string | undefined {
  if (auth.endUserId === null) return requested;
  if (requested !== undefined && requested !== auth.endUserId) {
    throw new InvalidRequestError("end_user_id must match the end-user token.", "end_user_id");
  }
  return auth.endUserId;
}

export async function loadThread(
  services: Services,
  auth: AuthContext,
  threadId: string,
): Promise<ThreadRecord> {
  return services.commands.thread(auth, threadId);
}
