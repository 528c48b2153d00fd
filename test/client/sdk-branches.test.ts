// The SDK's branch methods against a real Spool: regenerate, list a branch, switch, fork, import.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Spool } from "../../src/client/index.ts";
import type { BunServer } from "../../src/serve-bun.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

let spool: TestSpool;
let server: BunServer;
let client: Spool;
beforeAll(async () => {
  spool = await startSpool();
  server = await spool.listen();
  client = new Spool({ baseUrl: `http://127.0.0.1:${server.port}`, apiKey: spool.secretKey });
});
afterAll(async () => {
  server.stop();
  await spool.close();
});

test("regenerate, branch views, switch, fork and import through the SDK", async () => {
  const thread = await client.threads.create({ end_user_id: "sdk-branches" });
  await client.messages.send(thread.id, { content: "hello", model: "spool/echo" });
  const again = await client.messages.regenerate(thread.id, 2);
  expect(again.assistant_message).toMatchObject({ seq: 3, parent_seq: 1 });

  const active = await client.messages.list(thread.id).toArray();
  expect(active.map((m) => m.seq)).toEqual([1, 3]);
  const all = await client.messages.list(thread.id, { branch: "all" }).toArray();
  expect(all.map((m) => m.seq)).toEqual([1, 2, 3]);

  const switched = await client.threads.update(thread.id, { head_seq: 2 });
  expect(switched.head_seq).toBe(2);
  const fork = await client.threads.fork(thread.id, { at_seq: 2 });
  expect(fork).toMatchObject({ end_user_id: "sdk-branches", last_seq: 2 });

  const imported = await client.messages.import(fork.id, [
    { role: "user", content: "an old question" },
    { role: "assistant", content: "an old answer", model: "openai/gpt-4o" },
  ]);
  expect(imported.seqs).toEqual([3, 4]);
  const forked = await client.messages.list(fork.id).toArray();
  expect(forked.map((m) => m.parent_seq)).toEqual([null, 1, 2, 3]);
});
