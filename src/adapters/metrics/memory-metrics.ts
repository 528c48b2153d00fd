/**
 * The Metrics port in memory, for tests (and a no-op where nothing reads it): counts by a
 * `name{label=value,…}` key, so a test can assert what was counted without a Prometheus parser.
 */
import type { Metrics, QueueDepth, StreamTransport, TokenDirection } from "../../ports/metrics.ts";

export class MemoryMetrics implements Metrics {
  readonly counts = new Map<string, number>();
  readonly observations = new Map<string, number[]>();

  count(name: string, labels: Record<string, string> = {}): number {
    return this.counts.get(key(name, labels)) ?? 0;
  }

  #add(name: string, labels: Record<string, string>, by = 1): void {
    const k = key(name, labels);
    this.counts.set(k, (this.counts.get(k) ?? 0) + by);
  }

  #observe(name: string, labels: Record<string, string>, value: number): void {
    const k = key(name, labels);
    const list = this.observations.get(k) ?? [];
    list.push(value);
    this.observations.set(k, list);
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.#add("http_requests", labels);
    this.#observe("http_request_seconds", labels, seconds);
  }
  turnFinished(model: string, status: string): void {
    this.#add("turns", { model, status });
  }
  timeToFirstToken(model: string, seconds: number): void {
    this.#observe("ttft", { model }, seconds);
  }
  tokens(provider: string, direction: TokenDirection, count: number): void {
    this.#add("tokens", { provider, direction }, count);
  }
  streamOpened(transport: StreamTransport): () => void {
    this.#add("streams_open", { transport });
    let open = true;
    return () => {
      if (open) this.#add("streams_open", { transport }, -1);
      open = false;
    };
  }
  eventsDelivered(transport: StreamTransport, count: number): void {
    this.#add("events_delivered", { transport }, count);
  }
  streamReset(reason: string): void {
    this.#add("stream_resets", { reason });
  }
  checkpointWrite(seconds: number): void {
    this.#observe("checkpoint_write", {}, seconds);
  }
  jobFailed(queue: string): void {
    this.#add("jobs_failed", { queue });
  }
  vectorsReembedded(count: number): void {
    this.#add("vectors_reembedded", {}, count);
  }
  deadLettered(queue: string): void {
    this.#add("dead_lettered", { queue });
  }
  rateLimited(kind: string): void {
    this.#add("rate_limited", { kind });
  }
  leaseTaken(): void {
    this.#add("leases_taken", {});
  }
  leaseLost(): void {
    this.#add("leases_lost", {});
  }
  observe(_sources: { queues?: () => Promise<QueueDepth[]>; actors?: () => number }): void {
    // Scrape-time sources are for the exposition; tests read the counts directly.
  }
  async render(): Promise<string> {
    return [...this.counts].map(([k, v]) => `${k} ${v}`).join("\n");
  }
}

function key(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${name}{${parts.join(",")}}` : name;
}
