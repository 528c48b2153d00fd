// asyncapi.yaml is generated from the protocol schemas (`npm run asyncapi`), valid AsyncAPI 3 per
// @asyncapi/parser, and describes every client frame, server frame and stream event there is.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import { asyncApiYaml } from "../src/http/openapi.ts";
import { asyncApiDocument } from "../src/protocol/asyncapi-document.ts";
import { STREAM_EVENT_SCHEMAS } from "../src/protocol/events.ts";
import { FRAME_SCHEMAS } from "../src/protocol/ws-frames.ts";

const committed = readFileSync(new URL("../asyncapi.yaml", import.meta.url), "utf8");

test("asyncapi.yaml is up to date with src/protocol (run `npm run asyncapi`)", () => {
  expect(committed).toBe(asyncApiYaml());
});

test("@asyncapi/parser accepts the document with no error or warning", async () => {
  const { document, diagnostics } = await new Parser().parse(committed);
  const problems = diagnostics
    .filter((d) => d.severity <= 1)
    .map((d) => `${d.code}: ${d.message} at ${d.path.join(".")}`);
  expect(problems).toEqual([]);
  expect(document).toBeDefined();
  const channels = document!
    .channels()
    .all()
    .map((c) => c.address());
  expect(channels.sort()).toEqual(["/v1/threads/{thread_id}/stream", "/v1/ws"]);
  const ws = document!.channels().get("websocket")!;
  const wsMessages = ws
    .messages()
    .all()
    .map((m) => m.id());
  for (const type of Object.keys(FRAME_SCHEMAS)) expect(wsMessages).toContain(`client.${type}`);
  for (const type of [...Object.keys(STREAM_EVENT_SCHEMAS), "subscribed", "ack", "pong", "error"])
    expect(wsMessages).toContain(type);
  const sse = document!.channels().get("threadStream")!;
  const sseMessages = sse
    .messages()
    .all()
    .map((m) => m.id());
  expect(sseMessages.sort()).toEqual([...Object.keys(STREAM_EVENT_SCHEMAS), "ping"].sort());
  const actions = document!
    .operations()
    .all()
    .map((o) => `${o.action()}:${o.channels().all()[0]?.id()}`);
  expect(actions.sort()).toEqual(["receive:websocket", "send:threadStream", "send:websocket"]);
}, 60_000);

test("payloads are the protocol's schemas: named $refs that all resolve", () => {
  const doc = asyncApiDocument() as {
    components: {
      schemas: Record<string, unknown>;
      messages: Record<string, { payload: unknown }>;
    };
  };
  const text = JSON.stringify(doc);
  const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  expect(refs.length).toBeGreaterThan(40);
  for (const name of refs) expect(doc.components.schemas[name], name).toBeDefined();
  expect(doc.components.messages["block.delta"]!.payload).toEqual({
    $ref: "#/components/schemas/BlockDeltaEvent",
  });
  const delta = doc.components.schemas.BlockDeltaEvent as { properties: Record<string, unknown> };
  expect(delta.properties.delta).toEqual({ $ref: "#/components/schemas/BlockDelta" });
  const errorFrame = doc.components.schemas.ErrorFrame as {
    properties: { code: { anyOf: { const: string }[] } };
  };
  const codes = errorFrame.properties.code.anyOf.map((c) => c.const);
  expect(codes).toEqual(expect.arrayContaining(["rate_limited", "not_found", "invalid_request"]));
});

test("the server serves the same document at /asyncapi.json", async () => {
  const { buildApp } = await import("../src/http/app.ts");
  const { loadConfig } = await import("../src/config.ts");
  const app = buildApp({ config: loadConfig({}) } as Parameters<typeof buildApp>[0], {
    onKeyRevoked: () => undefined,
  });
  const response = await app.handle(new Request("http://localhost/asyncapi.json"));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));
});
