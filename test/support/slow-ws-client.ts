/**
 * A WebSocket subscriber in its own process, so a test can freeze it with SIGSTOP (a stalled tab:
 * nothing reads the socket, the server's send buffer fills). Args: ws-url thread-id final-seq.
 * Prints `ready` once subscribed, then, after message <final-seq> ends, one JSON line
 * `{cursors, bytes}` with every event cursor it received, and exits.
 */
const [url, threadId, finalSeq] = process.argv.slice(2) as [string, string, string];
const cursors: string[] = [];
let bytes = 0;
const ws = new WebSocket(url);
ws.onopen = () => ws.send(JSON.stringify({ type: "subscribe", thread_id: threadId }));
ws.onmessage = (event) => {
  const text = String(event.data);
  bytes += text.length;
  const frame = JSON.parse(text) as { type: string; cursor?: string };
  if (frame.type === "subscribed") return void process.stdout.write("ready\n");
  if (frame.cursor) cursors.push(frame.cursor);
  if (frame.type.startsWith("message.") && frame.type !== "message.created") {
    if (frame.cursor?.startsWith(`${finalSeq}:`)) {
      // Exit only once the (large) line is flushed to the pipe.
      process.stdout.write(`${JSON.stringify({ cursors, bytes })}\n`, () => process.exit(0));
    }
  }
};
ws.onclose = () => process.exit(1);
