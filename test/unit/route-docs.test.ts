// routeDoc, the one way a route declares its contract: security and default errors per access,
// success shapes (JSON, event stream, other media, no body, headers) and foreign error bodies.
import { expect, test } from "bun:test";
import { Type as t } from "@sinclair/typebox";
import { defaultErrors, errorSchema, routeDoc } from "../../src/http/route-docs.ts";
import { ThreadSchema } from "../../src/protocol/objects.ts";

type Detail = {
  security: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: object }>;
  "x-spool-access": string;
  "x-spool-foreign-errors"?: boolean;
};
const detailOf = (spec: Parameters<typeof routeDoc>[0]) =>
  routeDoc(spec).detail as unknown as Detail;

test("access sets the security and the errors every such route can give", () => {
  expect(defaultErrors("public")).toEqual([500]);
  expect(defaultErrors("any_key")).toEqual([401, 429, 500, 503]);
  expect(defaultErrors("stream")).toEqual([401, 429, 500, 503]);
  expect(defaultErrors("secret_key")).toEqual([401, 500, 503]);
  expect(defaultErrors("admin")).toEqual([401, 500, 503]);
  const doc = detailOf({
    operationId: "getThing",
    tag: "threads",
    summary: "s",
    access: "secret_key",
    responses: { 200: ThreadSchema },
    errors: [404],
  });
  expect(doc.security).toEqual([{ secretKey: [] }]);
  expect(Object.keys(doc.responses)).toEqual(["200", "401", "404", "500", "503"]);
  expect(doc.responses["404"]!.content!["application/json"]!.schema).toBe(errorSchema(404));
  expect(doc.responses["200"]!.content!["application/json"]!.schema).toBe(ThreadSchema);
  expect(doc["x-spool-foreign-errors"]).toBeUndefined();
});

test("success shapes: event stream beside JSON, other media, no body, headers", () => {
  const doc = detailOf({
    operationId: "x",
    tag: "compat",
    summary: "s",
    access: "public",
    responses: {
      200: { description: "d", json: ThreadSchema, eventStream: ThreadSchema, headers: { A: "a" } },
      202: { description: "text", text: "application/x-ndjson" },
      204: { description: "nothing" },
    },
  });
  expect(Object.keys(doc.responses["200"]!.content!)).toEqual([
    "application/json",
    "text/event-stream",
  ]);
  expect(doc.responses["200"]!.headers).toEqual({
    A: { description: "a", schema: { type: "string" } },
  });
  expect(Object.keys(doc.responses["202"]!.content!)).toEqual(["application/x-ndjson"]);
  expect(doc.responses["204"]!.content).toBeUndefined();
});

test("a foreign protocol's error body replaces Spool's on every error status", () => {
  const foreign = t.Object({ error: t.Object({ message: t.String() }) });
  const doc = detailOf({
    operationId: "x",
    tag: "compat",
    summary: "s",
    access: "any_key",
    responses: { 200: ThreadSchema },
    errors: [400, 502],
    errorBody: foreign,
  });
  expect(doc["x-spool-foreign-errors"]).toBe(true);
  for (const status of ["400", "401", "429", "500", "502", "503"])
    expect(doc.responses[status]!.content!["application/json"]!.schema).toBe(foreign);
  expect(doc.responses["429"]!.headers).toHaveProperty("Retry-After");
});
