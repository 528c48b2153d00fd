/**
 * Per-request context: the request id (`X-Request-Id` taken from the request when it is at most
 * 128 of `[A-Za-z0-9._-]`, else generated), the matched route template, the tenant once
 * authenticated, and the start time. Kept in an AsyncLocalStorage scope, so every log line written
 * while serving the request carries its id (src/ports/logger.ts asks `currentRequestFields`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomToken } from "../domain/ids.ts";

export const REQUEST_ID_HEADER = "x-request-id";
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface RequestInfo {
  readonly id: string;
  readonly startedAt: number;
  /** The route template (`/v1/threads/:id`), null until a route matched. */
  route: string | null;
  tenantId: string | null;
}

const byRequest = new WeakMap<Request, RequestInfo>();
const holders = new WeakMap<Request, () => void>();

/** Set by the listener: lifts the idle timeout for this request (see `holdOpen`). */
export function setHoldOpen(request: Request, lift: () => void): void {
  holders.set(request, lift);
}

/**
 * For a route about to wait silently for longer than the idle timeout (a `stream:false` turn):
 * the connection is kept open however long the wait. Called once the body has been read.
 */
export function holdOpen(request: Request): void {
  holders.get(request)?.();
}
const scope = new AsyncLocalStorage<RequestInfo>();

export function requestIdFrom(header: string | null): string {
  return header !== null && VALID_REQUEST_ID.test(header) ? header : `req_${randomToken(24)}`;
}

/** The request's context, created on first call. */
export function requestInfo(request: Request): RequestInfo {
  let info = byRequest.get(request);
  if (!info) {
    info = {
      id: requestIdFrom(request.headers.get(REQUEST_ID_HEADER)),
      startedAt: performance.now(),
      route: null,
      tenantId: null,
    };
    byRequest.set(request, info);
  }
  return info;
}

/** Runs `fn` inside the request's log scope. */
export function withRequestScope<T>(info: RequestInfo, fn: () => T): T {
  return scope.run(info, fn);
}

export function noteTenant(request: Request, tenantId: string): void {
  requestInfo(request).tenantId = tenantId;
}

export function noteRoute(request: Request, route: string | undefined): void {
  if (route) requestInfo(request).route = route;
}

/** Fields every log line written inside a request scope carries. */
export function currentRequestFields(): Record<string, unknown> | undefined {
  const info = scope.getStore();
  return info ? { request_id: info.id } : undefined;
}
