/**
 * The Metrics port on prom-client (well kept, the reference Prometheus client for JavaScript):
 * one Registry per runtime (several runtimes may share a test process), the default process
 * metrics, and histograms whose buckets fit what they measure.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics, QueueDepth, StreamTransport, TokenDirection } from "../../ports/metrics.ts";

/** 5 ms … 60 s: a history page is milliseconds, a stream:false turn can take a minute. */
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** 50 ms … 30 s: first tokens arrive from a few hundred ms (fast models) to tens of s (reasoning). */
const TTFT_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 30];
/** 0.5 ms … 1 s: a pipelined Redis write is about a millisecond; more means Redis is struggling. */
const CHECKPOINT_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Checkpoint write durations kept before they are observed anyway (no scrape for a while). */
const MAX_UNOBSERVED_WRITES = 4096;

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"route" | "method" | "status">;
  readonly #requestSeconds: Histogram<"route" | "method" | "status">;
  readonly #turns: Counter<"model" | "status">;
  readonly #ttft: Histogram<"model">;
  readonly #tokens: Counter<"provider" | "direction">;
  readonly #streams: Gauge<"transport">;
  /**
   * Deliveries not yet added to spool_stream_events_delivered_total: this counts every batch to every subscriber, and
   * prom-client's `inc(labels)` hashes the label object on each call, so they are summed here and
   * added when the registry is read (the counter's `collect`).
   */
  readonly #undelivered: Record<StreamTransport, number> = { sse: 0, ws: 0 };
  readonly #resets: Counter<"reason">;
  readonly #checkpoint: Histogram;
  readonly #unobservedWrites: number[] = [];
  readonly #jobsFailed: Counter<"queue">;
  readonly #deadLetters: Counter<"queue">;
  readonly #reembedded: Counter;
  readonly #limited: Counter<"kind">;
  readonly #leasesTaken: Counter;
  readonly #leasesLost: Counter;
  #queues: (() => Promise<QueueDepth[]>) | null = null;
  #actors: (() => number) | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: "spool_http_requests_total",
      help: "HTTP requests answered, by route template, method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: "spool_http_request_duration_seconds",
      help: "Time to answer an HTTP request (to the headers, for streams).",
      labelNames: ["route", "method", "status"],
      buckets: HTTP_BUCKETS_S,
      registers,
    });
    this.#turns = new Counter({
      name: "spool_turns_total",
      help: "Assistant messages settled, by model and final status.",
      labelNames: ["model", "status"],
      registers,
    });
    this.#ttft = new Histogram({
      name: "spool_time_to_first_token_seconds",
      help: "Time from the provider call to its first streamed delta.",
      labelNames: ["model"],
      buckets: TTFT_BUCKETS_S,
      registers,
    });
    this.#tokens = new Counter({
      name: "spool_tokens_total",
      help: "Model tokens, by provider and direction (input, output).",
      labelNames: ["provider", "direction"],
      registers,
    });
    this.#streams = new Gauge({
      name: "spool_stream_connections",
      help: "Open streams, by transport (sse, ws).",
      labelNames: ["transport"],
      registers,
    });
    for (const transport of ["sse", "ws"]) this.#streams.set({ transport }, 0);
    const undelivered = this.#undelivered;
    new Counter({
      name: "spool_stream_events_delivered_total",
      help: "Stream events handed to clients, by transport.",
      labelNames: ["transport"],
      registers,
      collect() {
        for (const transport of ["sse", "ws"] as const) {
          if (undelivered[transport] === 0) continue;
          this.inc({ transport }, undelivered[transport]);
          undelivered[transport] = 0;
        }
      },
    });
    this.#resets = new Counter({
      name: "spool_stream_resets_total",
      help: "stream.reset events sent, by reason.",
      labelNames: ["reason"],
      registers,
    });
    const unobserved = this.#unobservedWrites;
    this.#checkpoint = new Histogram({
      name: "spool_checkpoint_write_duration_seconds",
      help: "Fenced checkpoint writes to Redis (one group-commit batch each).",
      buckets: CHECKPOINT_BUCKETS_S,
      registers,
      collect() {
        for (const value of unobserved) this.observe(value);
        unobserved.length = 0;
      },
    });
    this.#jobsFailed = new Counter({
      name: "spool_jobs_failed_total",
      help: "Failed job attempts, by queue (a failed attempt may be retried).",
      labelNames: ["queue"],
      registers,
    });
    this.#deadLetters = new Counter({
      name: "spool_jobs_dead_lettered_total",
      help: "Jobs set aside for good (dead letters), by queue.",
      labelNames: ["queue"],
      registers,
    });
    this.#reembedded = new Counter({
      name: "spool_search_vectors_reembedded_total",
      help: "Search documents re-embedded after a change of vector space (reembed-index job).",
      registers,
    });
    this.#limited = new Counter({
      name: "spool_rate_limited_total",
      help: "Requests and frames refused by a limit, by kind.",
      labelNames: ["kind"],
      registers,
    });
    this.#leasesTaken = new Counter({
      name: "spool_leases_taken_total",
      help: "Thread leases this process was granted.",
      registers,
    });
    this.#leasesLost = new Counter({
      name: "spool_leases_lost_total",
      help: "Thread leases this process lost before releasing them.",
      registers,
    });
    const metrics = this;
    new Gauge({
      name: "spool_queue_jobs",
      help: "Jobs in each queue, by state.",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        this.reset();
        const depths = (await metrics.#queues?.().catch(() => [])) ?? [];
        for (const d of depths) this.set({ queue: d.queue, state: d.state }, d.count);
      },
    });
    new Gauge({
      name: "spool_actors",
      help: "Thread actors active in this process.",
      registers,
      collect() {
        this.set(metrics.#actors?.() ?? 0);
      },
    });
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.#requests.inc(labels);
    this.#requestSeconds.observe(labels, seconds);
  }

  turnFinished(model: string, status: string): void {
    this.#turns.inc({ model, status });
  }

  timeToFirstToken(model: string, seconds: number): void {
    this.#ttft.observe({ model }, seconds);
  }

  tokens(provider: string, direction: TokenDirection, count: number): void {
    if (count > 0) this.#tokens.inc({ provider, direction }, count);
  }

  streamOpened(transport: StreamTransport): () => void {
    this.#streams.inc({ transport });
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#streams.dec({ transport });
    };
  }

  eventsDelivered(transport: StreamTransport, count: number): void {
    if (count > 0) this.#undelivered[transport] += count;
  }

  streamReset(reason: string): void {
    this.#resets.inc({ reason });
  }

  checkpointWrite(seconds: number): void {
    // One per thread batch on the hot path: kept and observed when /metrics is read (bounded).
    this.#unobservedWrites.push(seconds);
    if (this.#unobservedWrites.length >= MAX_UNOBSERVED_WRITES) {
      for (const value of this.#unobservedWrites) this.#checkpoint.observe(value);
      this.#unobservedWrites.length = 0;
    }
  }

  jobFailed(queue: string): void {
    this.#jobsFailed.inc({ queue });
  }

  deadLettered(queue: string): void {
    this.#deadLetters.inc({ queue });
  }

  vectorsReembedded(count: number): void {
    this.#reembedded.inc(count);
  }

  rateLimited(kind: string): void {
    this.#limited.inc({ kind });
  }

  leaseTaken(): void {
    this.#leasesTaken.inc();
  }

  leaseLost(): void {
    this.#leasesLost.inc();
  }

  observe(sources: { queues?: () => Promise<QueueDepth[]>; actors?: () => number }): void {
    if (sources.queues) this.#queues = sources.queues;
    if (sources.actors) this.#actors = sources.actors;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
