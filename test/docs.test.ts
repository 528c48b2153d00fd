// docs/ is the contract in prose: every operation, error code, stream event, WebSocket frame and
// close code the server has must be named there, so a new one cannot land undocumented.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { openApiDocument } from "../src/http/openapi.ts";
import { STATUS_BY_CODE } from "../src/protocol/errors.ts";
import { STREAM_EVENT_SCHEMAS } from "../src/protocol/events.ts";
import { CLOSE_CODES, FRAME_SCHEMAS } from "../src/protocol/ws-frames.ts";

const read = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), "utf8");
const rest = read("rest.md");
const events = read("events.md");
const websocket = read("websocket.md");
/** All pages: an operation may be documented on its area's page (docs/compat.md…). */
const allPages = readdirSync(new URL("../docs/", import.meta.url))
  .filter((name) => name.endsWith(".md"))
  .map(read)
  .join("\n");

test("docs/ names every operation of openapi.yaml; rest.md every error code", async () => {
  const paths = (await openApiDocument()).paths as Record<
    string,
    Record<string, { operationId: string }>
  >;
  const ids = Object.values(paths).flatMap((item) =>
    Object.values(item).map((op) => op.operationId),
  );
  expect(ids.length).toBeGreaterThan(20);
  const missing = ids.filter((id) => !allPages.includes(`\`${id}\``));
  expect(missing, "operations no docs/ page names").toEqual([]);
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
    expect(rest, `error ${code}`).toMatch(
      new RegExp(`\\|\\s*${status}\\s*\\|[^|]+\\|\\s*\`${code}\``),
    );
  }
});

test("docs/events.md and docs/websocket.md name every event, frame and close code", () => {
  for (const type of Object.keys(STREAM_EVENT_SCHEMAS)) {
    expect(events, type).toContain(`\`${type}\``);
    expect(websocket, type).toContain(`\`${type}\``);
  }
  for (const type of Object.keys(FRAME_SCHEMAS))
    expect(websocket, type).toContain(`type: "${type}"`);
  for (const type of ["subscribed", "ack", "pong", "error"])
    expect(websocket, type).toContain(`{type: "${type}"`);
  for (const code of Object.values(CLOSE_CODES))
    expect(websocket, String(code)).toMatch(new RegExp(`\\|\\s*${code}\\s*\\|`));
  for (const word of ["Last-Event-ID", "?token=", "retry: 1000", "event: ping", "stream.reset"])
    expect(events, word).toContain(word);
});
