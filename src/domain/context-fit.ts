/**
 * Fits a thread's messages into a model's context budget by leaving out the oldest ones (what a
 * turn does when no summary covers them yet). Messages are cut only between exchanges — an
 * exchange is a user message and every assistant / tool message after it up to the next user
 * message — so a tool_use is never separated from its tool_result, and a cut context starts with a
 * user message, as every provider requires. Pure: the caller supplies the token counter
 * (the provider's tokenizer where one exists, an estimate elsewhere) and the budget
 * (context_window − max_tokens − system and tool definitions).
 */
import type { Block } from "../protocol/blocks.ts";

export interface ContextMessage {
  seq: number;
  role: "user" | "assistant" | "tool";
  content: Block[];
}

export interface FittedContext<M extends ContextMessage> {
  messages: M[];
  /** Seq of the newest message left out, or null when everything fits. */
  droppedThroughSeq: number | null;
  /** Tokens of the messages kept, by the given counter. */
  tokens: number;
  /**
   * The newest exchange alone exceeds the budget: it is kept whole anyway (cutting inside it
   * would split the question from its tool calls), and the provider may refuse the request.
   */
  overBudget: boolean;
}

/** Splits messages (oldest first) into exchanges; leading non-user messages form their own. */
export function exchanges<M extends ContextMessage>(messages: readonly M[]): M[][] {
  const groups: M[][] = [];
  for (const message of messages) {
    const current = groups[groups.length - 1];
    if (message.role === "user" || !current) groups.push([message]);
    else current.push(message);
  }
  return groups;
}

export function fitToBudget<M extends ContextMessage>(
  messages: readonly M[],
  budgetTokens: number,
  countTokens: (message: M) => number,
): FittedContext<M> {
  const groups = exchanges(messages);
  const kept: M[][] = [];
  let tokens = 0;
  for (let i = groups.length - 1; i >= 0; i--) {
    const group = groups[i]!;
    const cost = group.reduce((sum, m) => sum + countTokens(m), 0);
    if (kept.length > 0 && tokens + cost > budgetTokens) break;
    kept.unshift(group);
    tokens += cost;
  }
  const flat = kept.flat();
  const firstKept = flat[0];
  const dropped = firstKept ? messages.filter((m) => m.seq < firstKept.seq) : [...messages];
  return {
    messages: flat,
    droppedThroughSeq: dropped.length > 0 ? dropped[dropped.length - 1]!.seq : null,
    tokens,
    overBudget: tokens > budgetTokens,
  };
}
