// The playground: a chat page on the SDK served at /sdk/spool.js. Everything shown comes from
// `threads.follow` (history, then the live stream with resume), so two tabs on one thread show
// the same messages and a reload or a cut connection picks up where it was. Data is rendered
// with textContent only: message text is user input.
import { Spool } from "/sdk/spool.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "spool.playground.token";
const TOOLS = [
  {
    name: "get_weather",
    description: "Weather for a city (answered by you, in the page)",
    input_schema: { type: "object", properties: { city: { type: "string" } } },
  },
];

let spool = null;
let follow = null;
let threadId = null;

async function obtainToken() {
  const saved = localStorage.getItem(TOKEN_KEY);
  if (saved) return saved;
  const response = await fetch("/playground/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  if (response.status !== 201) return null;
  const { token } = await response.json();
  localStorage.setItem(TOKEN_KEY, token);
  return token;
}

function showLogin() {
  $("login").hidden = false;
  $("app").hidden = true;
  $("curl").textContent =
    `curl -s ${location.origin}/v1/end_user_tokens -H "authorization: Bearer $SPOOL_KEY" ` +
    `-H "content-type: application/json" -d '{"end_user_id":"playground","ttl_seconds":86400}'`;
}

function setStatus(status) {
  const el = $("status");
  el.textContent = status;
  el.className = `status ${status}`;
}

function showResumed(cursor) {
  const el = $("resumed");
  el.hidden = false;
  el.textContent = `resumed from ${cursor}`;
}

function showError(error) {
  const el = $("error");
  el.hidden = !error;
  el.textContent = error ? `${error.code ?? "error"}: ${error.message}` : "";
  if (error?.code === "unauthorized") {
    localStorage.removeItem(TOKEN_KEY);
    showLogin();
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** tool_use ids that already have a tool_result in the thread (no answer button then). */
let answered = new Set();

function renderBlock(block, message) {
  if (block.type === "text") return el("div", "text", block.text);
  if (block.type === "thinking") return el("div", "thinking", block.thinking);
  if (block.type === "tool_use") {
    const card = el(
      "div",
      "card tool-use",
      `tool call ${block.name} ${JSON.stringify(block.input)}`,
    );
    if (!answered.has(block.id) && message.status !== "failed") {
      const answer = el("button", "", "answer");
      answer.type = "button";
      answer.onclick = () =>
        spool.toolResults
          .submit(threadId, {
            tool_use_id: block.id,
            content: `Sunny in ${block.input.city ?? "town"}`,
          })
          .then(() => answer.remove(), showError);
      card.append(" ", answer);
    }
    return card;
  }
  if (block.type === "tool_result") {
    const text = typeof block.content === "string" ? block.content : JSON.stringify(block.content);
    return el("div", `card tool-result${block.is_error ? " error" : ""}`, `tool result: ${text}`);
  }
  return el("div", "card", `[${block.type}]`);
}

let frame = 0;
function render() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    answered = new Set(
      (follow?.messages ?? []).flatMap((m) =>
        m.content.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id),
      ),
    );
    box.replaceChildren(
      ...(follow?.messages ?? []).map((m) => {
        const node = el("div", `msg ${m.role} ${m.status}`);
        node.dataset.seq = String(m.seq);
        const stop = m.stop_reason ? ` · ${m.stop_reason}` : "";
        node.append(
          el(
            "div",
            "meta",
            `#${m.seq} ${m.role}${m.model ? ` · ${m.model}` : ""} · ${m.status}${stop}`,
          ),
        );
        for (const block of m.content) node.append(renderBlock(block, m));
        return node;
      }),
    );
    if (atBottom) box.scrollTop = box.scrollHeight;
  });
}

async function loadThreads() {
  const list = $("threads");
  const page = await spool.threads.list({ limit: 50 }).page();
  list.replaceChildren(
    ...page.data.map((t) => {
      const item = el("li", t.id === threadId ? "active" : "", t.id);
      item.onclick = () => openThread(t.id);
      return item;
    }),
  );
}

function openThread(id) {
  follow?.close();
  threadId = id;
  location.hash = id;
  $("resumed").hidden = true;
  const cursorKey = `spool.playground.cursor.${id}`;
  const seen = sessionStorage.getItem(cursorKey);
  follow = spool.threads.follow(id);
  follow.on("messages", () => {
    if (follow.cursor && follow.messages.some((m) => m.status === "in_progress")) {
      sessionStorage.setItem(cursorKey, follow.cursor);
    }
    render();
  });
  follow.on("status", setStatus);
  follow.on("resumed", ({ cursor }) => showResumed(cursor));
  follow.on("error", showError);
  follow.ready.then(() => {
    // A reload mid-answer: say where this page had got to; the SDK replays the rest once.
    if (seen) showResumed(seen);
    sessionStorage.removeItem(cursorKey);
  }, showError);
  void loadThreads().catch(showError);
  render();
}

async function newThread() {
  const thread = await spool.threads.create({ metadata: { source: "playground" } });
  openThread(thread.id);
}

async function send(event) {
  event.preventDefault();
  const input = $("input");
  const content = input.value.trim();
  if (!content || !threadId) return;
  input.value = "";
  showError(null);
  const useTools = $("tools").checked;
  try {
    await spool.messages.send(threadId, {
      content,
      model: $("model").value || "spool/echo",
      ...(useTools ? { tools: TOOLS, tools_mode: "client" } : {}),
    });
  } catch (error) {
    showError(error);
  }
}

async function cancel() {
  const running = (follow?.messages ?? []).findLast(
    (m) => m.role === "assistant" && m.status === "in_progress",
  );
  if (running) await spool.messages.cancel(threadId, running.seq).catch(showError);
}

async function start() {
  $("logout").onclick = () => {
    localStorage.removeItem(TOKEN_KEY);
    location.reload();
  };
  $("token-form").onsubmit = (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    location.reload();
  };
  const token = await obtainToken();
  if (!token) return showLogin();
  $("app").hidden = false;
  spool = new Spool({ baseUrl: location.origin, apiKey: token });
  window.spool = spool;
  $("new-thread").onclick = () => newThread().catch(showError);
  $("composer").onsubmit = send;
  $("cancel").onclick = cancel;
  const models = await spool.models().catch(() => [{ id: "spool/echo" }]);
  $("model").replaceChildren(...models.map((m) => el("option", "", m.id)));
  $("model").value = "spool/echo";
  const fromHash = location.hash.slice(1);
  if (fromHash) openThread(fromHash);
  else {
    const first = (await spool.threads.list({ limit: 1 }).page()).data[0];
    if (first) openThread(first.id);
    else await newThread();
  }
  setInterval(() => void loadThreads().catch(() => undefined), 5000);
}

start().catch(showError);
