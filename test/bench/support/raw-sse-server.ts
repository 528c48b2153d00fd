/**
 * The paced benchmark's baseline (test/bench/paced-bench.ts): a bare Bun.serve SSE server doing the
 * same fan-out as Spool with no durability, no actor and no auth. `POST /turn/:id?chunks&gap_ms`
 * streams `chunks` deltas `gap_ms` apart to the poster and to every `GET /follow/:id` open for that
 * id, building each frame once per subscriber as a naive server would. Run as its own process so
 * its CPU time can be read from /proc. Prints `port <n>` when listening.
 */
const followers = new Map<string, Set<ReadableStreamDefaultController<Uint8Array>>>();
const encoder = new TextEncoder();

function frame(id: string, i: number, text: string): Uint8Array {
  const data = JSON.stringify({
    type: "block.delta",
    thread_id: id,
    cursor: `2:${i}`,
    seq: 2,
    index: 0,
    delta: { type: "text_delta", text },
  });
  return encoder.encode(`event: block.delta\nid: 2:${i}\ndata: ${data}\n\n`);
}

function sseStream(
  onStart: (c: ReadableStreamDefaultController<Uint8Array>) => void,
  onCancel: () => void,
) {
  return new Response(new ReadableStream<Uint8Array>({ start: onStart, cancel: onCancel }), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 60,
  fetch(request) {
    const url = new URL(request.url);
    const [, kind, id = ""] = url.pathname.split("/");
    if (kind === "follow") {
      let controller: ReadableStreamDefaultController<Uint8Array>;
      return sseStream(
        (c) => {
          controller = c;
          // A first comment, so the follower's headers go out now (Spool sends `retry:` first too).
          c.enqueue(encoder.encode(": following\n\n"));
          const set = followers.get(id) ?? new Set();
          set.add(c);
          followers.set(id, set);
        },
        () => followers.get(id)?.delete(controller),
      );
    }
    if (kind === "turn") {
      const chunks = Number(url.searchParams.get("chunks") ?? 100);
      const gapMs = Number(url.searchParams.get("gap_ms") ?? 10);
      return sseStream(
        (origin) => {
          let i = 0;
          const tick = () => {
            const targets = [origin, ...(followers.get(id) ?? [])];
            for (const target of targets) target.enqueue(frame(id, i, `w${i} `));
            i++;
            if (i < chunks) return void setTimeout(tick, gapMs);
            for (const target of targets) target.close();
            followers.delete(id);
          };
          setTimeout(tick, gapMs);
        },
        () => undefined,
      );
    }
    return new Response("not found", { status: 404 });
  },
});
console.log(`port ${server.port}`);
