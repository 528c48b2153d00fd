/**
 * Reads a Server-Sent Events response in tests: parses frames into `{event, id, data}` and stops
 * at the end of the stream or when `until` says so (then cancels the body, as a client would).
 */

export interface SseEvent {
  event: string;
  id: string | null;
  data: Record<string, unknown>;
}

function parseFrame(frame: string): SseEvent | null {
  let event = "message";
  let id: string | null = null;
  let data = "";
  for (const line of frame.split("\n")) {
    if (line.startsWith("event: ")) event = line.slice(7);
    else if (line.startsWith("id: ")) id = line.slice(4);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  return data ? { event, id, data: JSON.parse(data) as Record<string, unknown> } : null;
}

/** 10 s: far above any scripted turn here, short enough to fail a hung test clearly. */
const READ_TIMEOUT_MS = 10_000;

export async function readSse(
  response: Response,
  until: (event: SseEvent, all: SseEvent[]) => boolean = () => false,
  timeoutMs = READ_TIMEOUT_MS,
): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const chunk = await Promise.race([
      reader.read(),
      Bun.sleep(Math.max(left, 0)).then(() => "timeout" as const),
    ]);
    if (chunk === "timeout") {
      await reader.cancel();
      throw new Error(`SSE read timed out after ${events.map((e) => e.event).join(",")}`);
    }
    if (chunk.done) return events;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const parsed = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      if (!parsed || parsed.event === "ping") continue;
      events.push(parsed);
      if (until(parsed, events)) {
        await reader.cancel();
        return events;
      }
    }
  }
}
