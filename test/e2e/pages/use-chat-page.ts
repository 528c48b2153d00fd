/**
 * A minimal `useChat` app for the browser test (bundled by Bun.build at test time): it loads the
 * thread's history with `format=ui`, then mounts `useChat({resume: true})` over the stock
 * `DefaultChatTransport`, exactly as an app would. Written without JSX (the repo has no JSX
 * setting); the test drives it through `window.chatApp`.
 */
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { createElement, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);
const api = params.get("api")!;
const token = params.get("token")!;
const threadId = params.get("thread")!;
const headers = { authorization: `Bearer ${token}` };

type AppWindow = {
  chatApp?: { messages: UIMessage[]; status: string; send(text: string): void; renders: number };
};
const w = window as unknown as AppWindow;

function Chat({ initial }: { initial: UIMessage[] }) {
  const { messages, status, sendMessage } = useChat({
    id: threadId,
    messages: initial,
    resume: true,
    transport: new DefaultChatTransport({
      api: `${api}/v1/ui/chat`,
      headers,
      body: { model: "spool/echo" },
    }),
  });
  w.chatApp = {
    messages,
    status,
    send: (text) => void sendMessage({ text }),
    renders: (w.chatApp?.renders ?? 0) + 1,
  };
  return createElement("pre", { id: "out" }, JSON.stringify(messages));
}

function App() {
  const [initial, setInitial] = useState<UIMessage[] | null>(null);
  useEffect(() => {
    fetch(`${api}/v1/threads/${threadId}/messages?format=ui`, { headers })
      .then((r) => r.json())
      .then((history) => setInitial(history as UIMessage[]));
  }, []);
  return initial ? createElement(Chat, { initial }) : null;
}

createRoot(document.getElementById("root")!).render(createElement(App));
