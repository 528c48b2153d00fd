/**
 * The queue admin page (bull-board) at `/admin/queues`, behind the admin key. Browsers cannot
 * attach a bearer header to page loads, so HTTP Basic with the admin key as password is accepted
 * too (the browser asks once, then sends it with every asset and API call). The board is its own
 * Elysia app reached through one guarded route: the guard sees every path under the prefix, and the
 * page's one external link (a Google font) is dropped so the page loads with no internet.
 * Because a browser re-sends Basic credentials by itself, a page on another site could make it post
 * to the board's API (CSRF); a state-changing request that a browser marks as cross-site, or sends
 * as a form, is refused.
 */
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ElysiaAdapter } from "@bull-board/elysia";
import type { Queue } from "bullmq";
import { Elysia } from "elysia";

export const QUEUE_BOARD_PATH = "/admin/queues";
const EXTERNAL_FONT = /<link[^>]+fonts\.googleapis\.com[^>]*>/g;

/** `check(secret)` says whether a credential is the admin key (constant-time, in http/auth). */
export async function queueBoard(queues: Queue[], check: (secret: string) => boolean) {
  const serverAdapter = new ElysiaAdapter(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const board = await serverAdapter.registerPlugin();
  const serve = async (request: Request): Promise<Response> => {
    if (crossSiteWrite(request)) {
      return new Response("cross-site requests may not change queues", { status: 403 });
    }
    if (!authorized(request, check)) {
      return new Response("admin key required", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="spool admin", charset="UTF-8"' },
      });
    }
    const response = await board.handle(request);
    if (!response.headers.get("content-type")?.includes("text/html")) return response;
    const html = (await response.text()).replace(EXTERNAL_FONT, "");
    return new Response(html, { status: response.status, headers: response.headers });
  };
  return new Elysia({ name: "queue-board" })
    .all(QUEUE_BOARD_PATH, ({ request }) => serve(request), { detail: { hide: true } })
    .all(`${QUEUE_BOARD_PATH}/*`, ({ request }) => serve(request), { detail: { hide: true } });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What an HTML form can send without a CORS preflight; the board's own UI sends JSON. */
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

function crossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  if (origin && origin !== new URL(request.url).origin) return true;
  return FORM_TYPES.test(request.headers.get("content-type") ?? "");
}

function authorized(request: Request, check: (secret: string) => boolean): boolean {
  const header = request.headers.get("authorization") ?? "";
  if (header.startsWith("Bearer ")) return check(header.slice(7).trim());
  if (header.startsWith("Basic ")) {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    return check(decoded.slice(decoded.indexOf(":") + 1));
  }
  return false;
}
