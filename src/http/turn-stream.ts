/**
 * Streams of the send route and of `GET …/stream`: an SSE sink following the thread (through its
 * gateway: the local actor, or the checkpoint and live bus when another node owns it),
 * registered for revocation, and (for a send) ended after the turn's answer or tool wait.
 */
import { type EventEntry, endOf, type Position } from "../../actors/event-entry.ts";
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
  const { type, toolUseId, stopReason } = entry.meta;
  if (type === "tool.waiting") {
    const last = lastToolUseId(entry.seq);
    return last === null || toolUseId === last;
  }
  if (type === "stream.reset") return entry.final && stopReason !== "tool_use";
  const final =
    type === "message.completed" || type === "message.incomplete" || type === "message.failed";
  return final && stopReason !== "tool_use";
}

/** How a stream response starts following: through the seam, or a send's gateway and slot. */
export type OpenFollow = (
  sink: SseSink,
  onDelivered: ((last: EventEntry) => void) | null,
) => Promise<{ subscription: Subscription; gateway: ThreadGateway; close(): void }>;

/**
 * An SSE response following the thread; `untilAssistantSeq` (a send) ends it after the turn.
 * It ends too when the key is revoked or the end-user token expires (connection registry).
 */
export async function streamResponse(
  services: Services,
  auth: AuthContext,
  open: OpenFollow,
  untilAssistantSeq: number | null,
): Promise<Response> {
  const sink = new SseSink(services.metrics);
  // The turn may end during the replay inside `follow`, before `subscription` is assigned.
  let subscription: Subscription | null = null;
  let gateway: ThreadGateway | null = null;
  let ended = false;
  const onDelivered =
    untilAssistantSeq === null
      ? null
      : (last: EventEntry) => {
          if (!endsTurn(last, untilAssistantSeq, (seq) => lastToolUseOf(gateway, seq))) return;
          ended = true;
          queueMicrotask(() => subscription?.close("done"));
        };
  const opened = await open(sink, onDelivered);
  subscription = opened.subscription;
  gateway = opened.gateway;
  const unregister = services.connections.add(
    auth.keyId,
    { revoke: () => subscription?.close("revoked") },
    auth.expiresAt ?? null,
    services.tokens.endUserTag(auth),
  );
  let cleaned = false;
  sink.onCancel = () => {
    if (cleaned) return;
    cleaned = true;
    opened.close();
    unregister();
  };
  if (ended) subscription.close("done");
  // The client may have gone during the replay, before onCancel was set.
  if (sink.closed) sink.onCancel();
  return sseResponse(sink);
}

/** Follows a send's turn through the gateway the seam returned; `slot` goes back at the end. */
export function followSend(
  gateway: ThreadGateway,
  after: Position,
  slot: { release(): void } | null,
): OpenFollow {
  return async (sink, onDelivered) => {
    try {
      const subscription = await gateway.follow(after, sink, onDelivered);
      return {
        subscription,
        gateway,
        close: () => {
          gateway.unfollow(subscription);
          slot?.release();
        },
      };
    } catch (error) {
      slot?.release();
      throw error;
    }
  };
}

/** Null where the gateway has no snapshot (remote owner): the turn then ends at its first tool wait. */
function lastToolUseOf(gateway: ThreadGateway | null, seq: number): string | null {
  const toolUses = gateway?.snapshot(seq)?.content.filter((b) => b.type === "tool_use") ?? [];
  const last = toolUses[toolUses.length - 1];
  return last?.type === "tool_use" ? last.id : null;
}

export function turnStart(userSeq: number): Position {
  return endOf(userSeq - 1);
}
