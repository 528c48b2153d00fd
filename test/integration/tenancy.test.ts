// Tenant and end-user isolation on every route, credentials (secret keys, end-user tokens, admin
// key, revocation), and bad input: 4xx with API.md's codes, never a crash or a leak.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
let otherKey: string;
let threadA: string; // tenant A, end user u1, with 2 messages
let threadA2: string; // tenant A, end user u2

beforeAll(async () => {
  spool = await startSpool();
  otherKey = await spool.createTenant("tenant-b");
  threadA = (await spool.json("POST", "/v1/threads", { end_user_id: "u1" })).body.id as string;
  threadA2 = (await spool.json("POST", "/v1/threads", { end_user_id: "u2" })).body.id as string;
  await spool.json("POST", `/v1/threads/${threadA}/messages`, { content: "secret plans" });
  await spool.json("POST", `/v1/threads/${threadA}/messages`, {
    content: "hi",
    model: "spool/echo",
  });
});
afterAll(() => spool.close());

async function endUserToken(endUser: string, key = spool.secretKey): Promise<string> {
  const { status, body } = await spool.json(
    "POST",
    "/v1/end_user_tokens",
    { end_user_id: endUser },
    key,
  );
  expect(status).toBe(201);
  return body.token as string;
}

function threadRoutes(id: string): [string, string, unknown?][] {
  return [
    ["GET", `/v1/threads/${id}`],
    ["PATCH", `/v1/threads/${id}`, { metadata: { a: "b" } }],
    ["GET", `/v1/threads/${id}/messages`],
    ["GET", `/v1/threads/${id}/messages/1`],
    ["POST", `/v1/threads/${id}/messages`, { content: "intrusion" }],
    ["POST", `/v1/threads/${id}/messages/2/cancel`],
    ["POST", `/v1/threads/${id}/tool_results`, { tool_use_id: "x", content: "y" }],
    ["GET", `/v1/threads/${id}/stream`],
    ["DELETE", `/v1/threads/${id}`],
  ];
}

describe("isolation", () => {
  test("every thread route answers 404 for another tenant's thread, and changes nothing", async () => {
    for (const [method, path, body] of threadRoutes(threadA)) {
      const response = await spool.call(method, path, body, otherKey);
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 404 });
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    const history = await spool.json("GET", `/v1/threads/${threadA}/messages`);
    expect((history.body.data as unknown[]).length).toBe(3);
  });

  test("an end-user token sees only its own threads: another end user's thread is 404", async () => {
    const token = await endUserToken("u2");
    for (const [method, path, body] of threadRoutes(threadA)) {
      const response = await spool.call(method, path, body, token);
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 404 });
    }
    const own = await spool.json("GET", `/v1/threads/${threadA2}`, undefined, token);
    expect(own.status).toBe(200);
  });

  test("lists never show another tenant's or end user's threads", async () => {
    const b = await spool.json("GET", "/v1/threads?limit=200", undefined, otherKey);
    expect(b.body.data).toEqual([]);
    const token = await endUserToken("u2");
    const u2 = await spool.json("GET", "/v1/threads?limit=200", undefined, token);
    expect((u2.body.data as { id: string }[]).map((t) => t.id)).toEqual([threadA2]);
    const refused = await spool.json("GET", "/v1/threads?end_user_id=u1", undefined, token);
    expect(refused.status).toBe(400);
  });

  test("an end-user token creates threads for itself only", async () => {
    const token = await endUserToken("u3");
    const created = await spool.json("POST", "/v1/threads", {}, token);
    expect(created.body.end_user_id).toBe("u3");
    const other = await spool.json("POST", "/v1/threads", { end_user_id: "u1" }, token);
    expect(other.status).toBe(400);
    const mint = await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "u9" }, token);
    expect(mint.status).toBe(401);
  });

  test("a cursor of one tenant is invalid for another tenant's identical list", async () => {
    for (let i = 0; i < 3; i++) await spool.json("POST", "/v1/threads", { end_user_id: "pager" });
    const page = await spool.json("GET", "/v1/threads?end_user_id=pager&limit=1");
    const cursor = page.body.next_cursor as string;
    const foreign = await spool.json(
      "GET",
      `/v1/threads?end_user_id=pager&limit=1&cursor=${cursor}`,
      undefined,
      otherKey,
    );
    expect(foreign.status).toBe(400);
    expect((foreign.body.error as { code: string }).code).toBe("invalid_cursor");
  });
});

describe("credentials", () => {
  test("missing, malformed and unknown credentials are 401", async () => {
    for (const key of ["", "sk_nope", "eut_garbage", "eut_e30.AAAA", "Basic abc"]) {
      const response = await spool.call("GET", "/v1/threads", undefined, key);
      expect(response.status).toBe(401);
    }
  });

  test("a tampered end-user token is 401", async () => {
    const token = await endUserToken("u1");
    const [payload, mac] = token.slice(4).split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, u: "u2" })).toString("base64url");
    expect((await spool.call("GET", "/v1/threads", undefined, `eut_${forged}.${mac}`)).status).toBe(
      401,
    );
  });

  test("admin routes need the admin key", async () => {
    expect((await spool.call("POST", "/v1/admin/tenants", { name: "x" })).status).toBe(401);
    expect((await spool.call("POST", "/v1/admin/tenants", { name: "x" }, "wrong")).status).toBe(
      401,
    );
    expect((await spool.call("POST", "/v1/admin/tenants", { name: "x" }, ADMIN_KEY)).status).toBe(
      201,
    );
  });

  test("revoking a key stops it, its end-user tokens and its open streams at once", async () => {
    const created = await spool.json("POST", "/v1/admin/tenants", { name: "revokee" }, ADMIN_KEY);
    const key = created.body.secret_key as string;
    const tenant = (created.body.tenant as { id: string }).id;
    const keyId = (created.body.key as { id: string }).id;
    const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "r" }, key)).body
      .id as string;
    const token = await endUserToken("r", key);
    const stream = await spool.call("GET", `/v1/threads/${thread}/stream`, undefined, token);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const revoke = await spool.call(
      "DELETE",
      `/v1/admin/tenants/${tenant}/keys/${keyId}`,
      undefined,
      ADMIN_KEY,
    );
    expect(revoke.status).toBe(200);
    const readToEnd = async () => {
      for (;;) if ((await reader.read()).done) return true;
    };
    const ended = await Promise.race([readToEnd(), Bun.sleep(2000).then(() => "timeout")]);
    expect(ended).toBe(true);
    expect((await spool.call("GET", "/v1/threads", undefined, key)).status).toBe(401);
    expect((await spool.call("GET", "/v1/threads", undefined, token)).status).toBe(401);
  });
});

describe("bad input", () => {
  test("malformed JSON is 400 invalid_request, schema violations are 422 validation_failed", async () => {
    const bad = await spool.call("POST", `/v1/threads/${threadA}/messages`, "{not json");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    const cases: unknown[] = [
      {},
      { content: 42 },
      { content: [] },
      { content: [{ type: "video", url: "x" }] },
      { content: [{ type: "image", source: { type: "url", url: "ftp://x" } }] },
      { content: "x", max_tokens: -1 },
      { content: "x", on_busy: "sometimes" },
      { content: "x", unknown_field: true },
    ];
    for (const body of cases) {
      const { status, body: answer } = await spool.json(
        "POST",
        `/v1/threads/${threadA}/messages`,
        body,
      );
      expect({ body, status }).toEqual({ body, status: 422 });
      expect((answer.error as { code: string }).code).toBe("validation_failed");
    }
    const meta = await spool.json("POST", "/v1/threads", {
      metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])),
    });
    expect(meta.status).toBe(422);
  });

  test("an unknown model is 422 and appends nothing", async () => {
    const before = (await spool.json("GET", `/v1/threads/${threadA}`)).body.last_seq;
    const { status, body } = await spool.json("POST", `/v1/threads/${threadA}/messages`, {
      content: "x",
      model: "nope/x",
    });
    expect(status).toBe(422);
    expect((body.error as { param: string }).param).toBe("model");
    expect((await spool.json("GET", `/v1/threads/${threadA}`)).body.last_seq).toBe(before);
  });

  test("an oversized body is 413 and the server stays up", async () => {
    const huge = JSON.stringify({ content: "x".repeat(11 * 1024 * 1024) });
    const response = await spool.call("POST", `/v1/threads/${threadA}/messages`, huge, undefined, {
      "content-length": String(huge.length),
    });
    expect(response.status).toBe(413);
    expect((await spool.call("GET", "/healthz")).status).toBe(200);
  });

  test("unknown routes are 404 not_found and a 500 never carries internals", async () => {
    const response = await spool.call("GET", "/v1/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
