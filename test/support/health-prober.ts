/**
 * Probes `<url>/healthz` every `<everyMs>` and prints each latency (ms) on its own stdout line,
 * until killed. A separate process, so the test process's own work (building a 1 MB body, reading
 * SQLite) cannot delay a probe and be blamed on the server. Usage: bun health-prober.ts URL MS
 */
export {};

const [url, every] = [process.argv[2]!, Number(process.argv[3] ?? 200)];
const parent = process.ppid;
// A test that fails before stopping the prober must not leave it running: it ends with its parent.
while (process.ppid === parent) {
  const started = performance.now();
  let status = 0;
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    status = response.status;
    await response.arrayBuffer();
  } catch {
    status = -1;
  }
  const took = performance.now() - started;
  process.stdout.write(`${status} ${took.toFixed(1)}\n`);
  await Bun.sleep(Math.max(0, every - took));
}
