/**
 * What Spool counts, as one small port: actors, workers and routes call these methods and never
 * see the metrics library (src/adapters/metrics/prom-metrics.ts is the Prometheus one; a memory
 * one serves tests). Every method is cheap and never throws. Label values must come from bounded
 * sets (route templates, canonical model names, queue names), never from raw client input.
 */
export type TokenDirection = "input" | "output";
export type StreamTransport = "sse" | "ws";

/** Depth of one queue in one state (waiting, active, delayed, failed, …), read at scrape time. */
export interface QueueDepth {
  queue: string;
  state: string;
  count: number;
}

export interface Metrics {
  /** One answered HTTP request: `route` is the route template (or "unmatched"). */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One assistant message settled: `model` is `provider/name`, status its final status. */
  turnFinished(model: string, status: string): void;
  /** Time from the provider call to its first streamed delta. */
  timeToFirstToken(model: string, seconds: number): void;
  tokens(provider: string, direction: TokenDirection, count: number): void;
  /** A stream (SSE response or WebSocket) opened; call the returned function once when it closes. */
  streamOpened(transport: StreamTransport): () => void;
  eventsDelivered(transport: StreamTransport, count: number): void;
  /** A `stream.reset` sent to a client (reason from the event). */
  streamReset(reason: string): void;
  /** One fenced checkpoint write (a group-commit batch) took this long. */
  checkpointWrite(seconds: number): void;
  /** A job attempt failed (it may be retried). */
  jobFailed(queue: string): void;
  /** A job was set aside for good (dead letter). */
  deadLettered(queue: string): void;
  /** Search documents given a vector of the current space by the re-embedding job. */
  vectorsReembedded(count: number): void;
  /** A request or frame was refused by a limit; `kind` names the limit (send, request, stream, quota…). */
  rateLimited(kind: string): void;
  leaseTaken(): void;
  leaseLost(): void;
  /** Read at scrape time: queue depths (async), actors in this process. */
  observe(sources: { queues?: () => Promise<QueueDepth[]>; actors?: () => number }): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}
