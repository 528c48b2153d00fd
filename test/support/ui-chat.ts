/**
 * The AI SDK as a real client of Spool's UI chat endpoints: `AbstractChat` (the core `useChat`
 * wraps) with a plain in-memory state, over the stock `DefaultChatTransport` or any transport.
 */
import {
  AbstractChat,
  type ChatInit,
  type ChatState,
  type ChatStatus,
  DefaultChatTransport,
  type UIMessage,
} from "ai";

class MemoryState implements ChatState<UIMessage> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: UIMessage[];
  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }
  pushMessage = (message: UIMessage) => {
    this.messages = this.messages.concat(message);
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

export class TestChat extends AbstractChat<UIMessage> {
  constructor(init: Omit<ChatInit<UIMessage>, "state"> & { messages?: UIMessage[] }) {
    super({ ...init, state: new MemoryState(init.messages ?? []) });
  }
}

export function stockTransport(
  baseUrl: string,
  key: string,
  body: object = {},
  headers: Record<string, string> = {},
) {
  return new DefaultChatTransport<UIMessage>({
    api: `${baseUrl}/v1/ui/chat`,
    headers: { authorization: `Bearer ${key}`, ...headers },
    body,
  });
}

export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
}
