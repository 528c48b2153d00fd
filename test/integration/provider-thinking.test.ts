// Anthropic thinking through the actor: thinking streams live as thinking_delta, the signature
// (sent last by Anthropic) is stored on the block, and it is sent back on the next turn.
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  text,
  thinking,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { readSse } from "../support/sse.ts";

let fake: FakeUpstream;
let spool: TestSpool;
beforeAll(async () => {
  fake = await startFakeUpstream();
  spool = await startSpool({
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

test("thinking streams live and its signature is stored and sent back", async () => {
  const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
  const path = `/v1/threads/${thread.id}/messages`;
  fake.enqueue("anthropic", [
    thinking("Let me think.", "sig-42"),
    text("Answer."),
    usage(5, 3),
    stop(),
  ]);
  const events = await readSse(
    await spool.call("POST", path, {
      content: "q",
      model: "anthropic/claude-sonnet-4-6",
      stream: true,
    }),
  );
  const seq2 = events.filter((e) => e.data.seq === 2);
  const kinds = seq2.map((e) =>
    e.event === "block.delta" ? (e.data.delta as { type: string }).type : e.event,
  );
  expect(kinds.slice(0, 3)).toEqual(["block.start", "thinking_delta", "block.stop"]);
  const stored = await spool.json("GET", `${path}/2`);
  expect((stored.body.content as unknown[])[0]).toMatchObject({
    type: "thinking",
    thinking: "Let me think.",
    signature: "sig-42",
    provider: "anthropic",
  });
  fake.enqueue("anthropic", [text("ok"), usage(9, 1), stop()]);
  await spool.json("POST", path, { content: "again", model: "anthropic/claude-sonnet-4-6" });
  const sent = fake.requests("anthropic").at(-1)!.body.messages as { content: unknown }[];
  expect(JSON.stringify(sent)).toContain('"signature":"sig-42"');
});
