/**
 * A Server-Sent Events reader over a fetch body (fetch, not EventSource: it sends the
 * Authorization header, sees status codes, and lets the SDK own reconnects and cursors).
 * Yields one frame per blank-line-terminated block; comments and `retry:` lines are dropped.
 */

export interface SseFrame {
  event: string;
  id: string | null;
  data: string;
}

export async function* readSseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let carry = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      // A CR at a chunk's end may be half of a CRLF: hold it until the next chunk decides.
      let text = carry + decoder.decode(value, { stream: true });
      carry = text.endsWith("\r") ? "\r" : "";
      if (carry) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame) yield frame;
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    reader.cancel().catch(() => {
      // the connection is already gone: nothing left to cancel
    });
  }
}

function parseFrame(block: string): SseFrame | null {
  let event = "message";
  let id: string | null = null;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, id, data: data.join("\n") } : null;
}
