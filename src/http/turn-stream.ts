/**
 * Streams of the send route and of `GET …/stream`: an SSE sink following the thread (through its
 * gateway: the local actor, or the checkpoint and live bus when another node owns it),
 * registered for revocation, and (for a send) ended after the turn's answer or tool wait.
 */
import { type EventEntry, endOf, eventType, type Position } from "../../actors/event-entry.ts";
import type { Subscription } from "../../actors/subscription.ts";
import type { ThreadGateway } from "../../actors/thread-gateway.ts";
import type { AuthContext } from "../domain/auth-context.ts";
import type { Services } from "./services.ts";
import { SseSink, sseResponse } from "./sse-sink.ts";

/**
 * Whether `entry` ends a send's stream: the answer is final, or waits for client tools. A message
 * with several tool calls emits one `tool.waiting` per call; only the last one ends the stream
 * (`lastToolUseId`: the id of the message's last tool_use block, null when unknown).
 */
export function endsTurn(
  entry: EventEntry,
  assistantSeq: number,
  lastToolUseId: (seq: number) => string | null = () => null,
): boolean {
  if (entry.seq < assistantSeq) return false;
  const type = eventType(entry.json);
  if (type === "tool.waiting") {
    const last = lastToolUseId(entry.seq);
    return last === null || entry.json.includes(`"id":${JSON.stringify(last)}`);
  }
  if (type === "stream.reset")
    return entry.final && !entry.json.includes('"stop_reason":"tool_use"');
  const final =
    type === "message.completed" || type === "message.incomplete" || type === "message.failed";
  return final && !entry.json.includes('"stop_reason":"tool_use"');
}

export async function streamResponse(
  services: Services,
  auth: AuthContext,
  gateway: ThreadGateway,
  after: Position | null,
  untilAssistantSeq: number | null,
): Promise<Response> {
  const sink = new SseSink(services.metrics);
  // The turn may end during the replay inside `follow`, before `subscription` is assigned.
  let subscription: Subscription | null = null;
  let ended = false;
  const onDelivered =
    untilAssistantSeq === null
      ? null
      : (last: EventEntry) => {
          if (!endsTurn(last, untilAssistantSeq, (seq) => lastToolUseOf(gateway, seq))) return;
          ended = true;
          queueMicrotask(() => subscription?.close("done"));
        };
  subscription = await gateway.follow(after, sink, onDelivered);
  if (ended) subscription.close("done");
  const unregister = services.connections.add(auth.keyId, {
    revoke: () => subscription?.close("revoked"),
  });
  sink.onCancel = () => {
    if (subscription) gateway.unfollow(subscription);
    unregister();
  };
  return sseResponse(sink);
}

/** Null where the gateway has no snapshot (remote owner): the turn then ends at its first tool wait. */
function lastToolUseOf(gateway: ThreadGateway, seq: number): string | null {
  const toolUses = gateway.snapshot(seq)?.content.filter((b) => b.type === "tool_use") ?? [];
  const last = toolUses[toolUses.length - 1];
  return last?.type === "tool_use" ? last.id : null;
}

export function turnStart(userSeq: number): Position {
  return endOf(userSeq - 1);
}
