// useChat's regenerate() and edit (sendMessage with a messageId) against Spool, with the AI SDK's
// own AbstractChat over the stock DefaultChatTransport: each makes a branch in the thread, and the
// chat, Spool's active branch and `format=ui` history agree afterwards.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { UIMessage } from "ai";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { stockTransport, TestChat, textOf } from "../support/ui-chat.ts";

let spool: TestSpool;
let base: string;
beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
});
afterAll(() => spool.close());

type Msg = { seq: number; parent_seq: number | null; role: string; content: { text?: string }[] };
const threadOf = (m: UIMessage | undefined) =>
  (m?.metadata as { thread_id: string } | undefined)?.thread_id ?? "";
const texts = (messages: Msg[]) => messages.map((m) => `${m.role}:${m.content[0]?.text ?? ""}`);

async function branch(threadId: string, query = ""): Promise<Msg[]> {
  const { body } = await spool.json<{ data: Msg[] }>(
    "GET",
    `/v1/threads/${threadId}/messages?limit=200${query}`,
  );
  return body.data;
}

test("regenerate() makes a new answer on a new branch; the chat shows it, history keeps both", async () => {
  const chat = new TestChat({
    id: `c-${crypto.randomUUID()}`,
    transport: stockTransport(base, spool.secretKey, { model: "spool/echo" }),
  });
  await chat.sendMessage({ text: "first" });
  await chat.sendMessage({ text: "second" });
  const threadId = threadOf(chat.messages[1]);
  const before = chat.messages[3]!.id;

  await chat.regenerate();
  expect(chat.status).toBe("ready");
  expect(chat.messages.length).toBe(4);
  expect(chat.messages[3]!.id).not.toBe(before);
  expect(textOf(chat.messages[3])).toBe("Echo: second");

  const active = await branch(threadId);
  expect(active.map((m) => [m.seq, m.parent_seq])).toEqual([
    [1, null],
    [2, 1],
    [3, 2],
    [5, 3],
  ]);
  expect((await branch(threadId, "&branch=all")).length).toBe(5);

  // Regenerate an earlier answer by its id: the branch is cut there.
  await chat.regenerate({ messageId: chat.messages[1]!.id });
  expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(texts(await branch(threadId))).toEqual(["user:first", "assistant:Echo: first"]);
  const ui = await spool.json<UIMessage[]>("GET", `/v1/threads/${threadId}/messages?format=ui`);
  // The same conversation (a user message sent live keeps the client's id in the chat).
  expect(ui.body.map(textOf)).toEqual(chat.messages.map(textOf));
  expect(ui.body[1]!.id).toBe(chat.messages[1]!.id);
});

test("editing a sent message starts a branch from its parent", async () => {
  const chat = new TestChat({
    id: `c-${crypto.randomUUID()}`,
    transport: stockTransport(base, spool.secretKey, { model: "spool/echo" }),
  });
  await chat.sendMessage({ text: "one" });
  await chat.sendMessage({ text: "two" });
  await chat.sendMessage({ text: "three" });
  const threadId = threadOf(chat.messages[1]);
  await chat.sendMessage({ text: "two, edited", messageId: chat.messages[2]!.id });
  expect(chat.status).toBe("ready");
  expect(chat.messages.map(textOf)).toEqual([
    "one",
    "Echo: one",
    "two, edited",
    "Echo: two, edited",
  ]);
  const active = await branch(threadId);
  expect(texts(active)).toEqual([
    "user:one",
    "assistant:Echo: one",
    "user:two, edited",
    "assistant:Echo: two, edited",
  ]);
  expect(active[2]!.parent_seq).toBe(2);
  // The old branch is still stored.
  expect(texts(await branch(threadId, "&branch=all"))).toContain("user:three");

  // An edit of a message the chat does not have is refused, and nothing is appended.
  const refused = await fetch(`${base}/v1/ui/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      id: threadId,
      trigger: "submit-message",
      messageId: "nope",
      model: "spool/echo",
      messages: [{ id: "nope", role: "user", parts: [{ type: "text", text: "x" }] }],
    }),
  });
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { error: { param: string } }).error.param).toBe("messageId");
  expect((await branch(threadId, "&branch=all")).length).toBe(8);
});
