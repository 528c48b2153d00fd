// Foundation benchmark: history-page latency and append throughput through Spool (HTTP handler,
// actor, Redis Lua, BullMQ, SQLite), each next to a same-run bare bun:sqlite baseline of the same
// rows. Run: bun test/bench/history-bench.ts
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSpool } from "../support/spool.ts";

const THREAD_MESSAGES = 6000;
const PAGE = 50;
const PAGE_SAMPLES = 2000;
const APPENDS_ONE_THREAD = 3000;
const THREADS = 100;
const APPENDS_PER_THREAD = 30;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function describe(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${(percentile(sorted, 50) * 1000).toFixed(0)} µs  p99 ${(percentile(sorted, 99) * 1000).toFixed(0)} µs`;
}

async function waitPersisted(
  spool: Awaited<ReturnType<typeof startSpool>>,
  threadId: string,
  seq: number,
) {
  while (!(await spool.runtime.services.store.getMessage(threadId, seq))) await Bun.sleep(20);
  while ((await spool.runtime.services.checkpoint.readTail(threadId)).length > 0)
    await Bun.sleep(20);
}

function bareBaseline() {
  const db = new Database(join(mkdtempSync(join(tmpdir(), "bench-bare-")), "bare.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  db.exec(
    "CREATE TABLE m (thread_id TEXT, seq INTEGER, role TEXT, content TEXT, PRIMARY KEY (thread_id, seq))",
  );
  const insert = db.prepare("INSERT INTO m VALUES (?, ?, ?, ?)");
  const content = JSON.stringify([
    { type: "text", text: "message body of a realistic length for a chat turn" },
  ]);
  let start = performance.now();
  for (let i = 1; i <= APPENDS_ONE_THREAD; i++) insert.run("t", i, "user", content);
  const insertRate = APPENDS_ONE_THREAD / ((performance.now() - start) / 1000);
  for (let i = APPENDS_ONE_THREAD + 1; i <= THREAD_MESSAGES; i++)
    insert.run("t", i, "user", content);
  const page = db.prepare("SELECT * FROM m WHERE thread_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  const samples: number[] = [];
  for (let i = 0; i < PAGE_SAMPLES; i++) {
    const after = Math.floor(Math.random() * (THREAD_MESSAGES - PAGE));
    start = performance.now();
    const rows = page.all("t", after, PAGE) as { content: string }[];
    for (const row of rows) JSON.parse(row.content);
    samples.push(performance.now() - start);
  }
  return { insertRate, samples };
}

const spool = await startSpool();
const threadId = (await spool.json("POST", "/v1/threads", { end_user_id: "bench" })).body
  .id as string;

let start = performance.now();
for (let i = 0; i < APPENDS_ONE_THREAD; i += 100) {
  await Promise.all(
    Array.from({ length: 100 }, (_, j) =>
      spool.call("POST", `/v1/threads/${threadId}/messages`, { content: `message ${i + j}` }),
    ),
  );
}
const oneThreadRate = APPENDS_ONE_THREAD / ((performance.now() - start) / 1000);

const many = await Promise.all(
  Array.from(
    { length: THREADS },
    async () =>
      (await spool.json("POST", "/v1/threads", { end_user_id: "bench" })).body.id as string,
  ),
);
start = performance.now();
for (let round = 0; round < APPENDS_PER_THREAD; round++) {
  await Promise.all(
    many.map((id) =>
      spool.call("POST", `/v1/threads/${id}/messages`, { content: `round ${round}` }),
    ),
  );
}
const manyThreadsRate = (THREADS * APPENDS_PER_THREAD) / ((performance.now() - start) / 1000);

for (let i = APPENDS_ONE_THREAD; i < THREAD_MESSAGES; i += 200) {
  await Promise.all(
    Array.from({ length: 200 }, (_, j) =>
      spool.call("POST", `/v1/threads/${threadId}/messages`, { content: `message ${i + j}` }),
    ),
  );
}
await waitPersisted(spool, threadId, THREAD_MESSAGES);

const samples: number[] = [];
for (let i = 0; i < PAGE_SAMPLES; i++) {
  const after = Math.floor(Math.random() * (THREAD_MESSAGES - PAGE));
  const query = `limit=${PAGE}${after > 0 ? "" : ""}`;
  const cursor = spool.runtime.services.cursors.encode(
    {
      kind: "messages:asc:",
      tenantId: (await spool.runtime.services.tokens.authenticate(spool.secretKey)).tenantId,
      scope: threadId,
    },
    { s: after },
  );
  start = performance.now();
  const response = await spool.call(
    "GET",
    `/v1/threads/${threadId}/messages?${query}&cursor=${cursor}`,
  );
  await response.json();
  samples.push(performance.now() - start);
}
const bare = bareBaseline();

console.log(
  `history page (${PAGE} of a ${THREAD_MESSAGES}-message thread, ${PAGE_SAMPLES} samples; goal p99 < 5 ms)`,
);
console.log(`  spool GET /messages (auth, tail merge, JSON)   ${describe(samples)}`);
console.log(`  bare bun:sqlite keyset query + JSON.parse       ${describe(bare.samples)}`);
console.log("append throughput (POST /messages, 100 in flight)");
console.log(`  spool, one thread                 ${oneThreadRate.toFixed(0)} appends/s`);
console.log(`  spool, ${THREADS} threads                ${manyThreadsRate.toFixed(0)} appends/s`);
console.log(`  bare bun:sqlite INSERT, autocommit  ${bare.insertRate.toFixed(0)} rows/s`);
await spool.close();
process.exit(0);
