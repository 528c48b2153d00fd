/**
 * The only module that reads the environment. `loadConfig` parses and validates everything once,
 * lists every violation in one error, and derives the values other modules need (renew interval
 * from the lease TTL, …). Slices of the result are passed to constructors.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { type AllowEntry, parseAllowList } from "./domain/destination-policy.ts";
import { type ModelLimitOverrides, parseModelLimits } from "./domain/model-limit-overrides.ts";

export type EmbedderKind = "builtin" | "openai" | "mistral";

export interface CompatibleProviderConfig {
  name: string;
  baseUrl: string;
  apiKey: string;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminKey: string | null;
  /** Dev only: a secret key the server uses to mint demo end-user tokens for /playground. */
  playgroundSecretKey: string | null;
  nodeId: string;
  /** Address other nodes use to reach this one (sharding); defaults to http://HOST:PORT. */
  advertiseUrl: string;
  /**
   * A second listener for the `/internal` routes between nodes (null: they share the public one).
   * When set, the public listener answers 404 for `/internal/*`.
   */
  internal: { host: string; port: number } | null;
  /** How long a draining node lets running generations finish (SIGTERM); exit by grace + 10 s. */
  shutdownGraceMs: number;
  /** Seconds a connection may send and receive nothing (Bun); streams ping every 15 s. */
  httpIdleTimeoutS: number;
  redis: { url: string | null; prefix: string };
  mongo: { url: string; database: string } | null;
  meili: { url: string; apiKey: string | null; index: string } | null;
  providers: {
    anthropic: { apiKey: string; baseUrl: string | null } | null;
    openai: { apiKey: string; baseUrl: string | null } | null;
    mistral: { apiKey: string; baseUrl: string | null } | null;
    compatible: CompatibleProviderConfig[];
  };
  embedder: { kind: EmbedderKind; model: string | null };
  /** `embedded`: this process runs the BullMQ workers too. `external`: `bun workers/main.ts`. */
  workers: "embedded" | "external";
  /** How often the orphan reaper runs (a BullMQ job scheduler shared by all worker processes). */
  reaper: { everyMs: number };
  /** How often the retention worker runs (tenants' `retention_days`; one shared scheduler). */
  retention: { everyMs: number };
  /** A job whose worker stops renewing its lock for this long is run again (crashed worker). */
  jobLockMs: number;
  lease: { ttlMs: number; renewEveryMs: number };
  limits: {
    maxBodyBytes: number;
    maxWsFrameBytes: number;
    /** A subscriber with more unsent bytes than this is paused and catches up later. */
    maxSubscriberBufferBytes: number;
    dedupTtlMs: number;
    toolWaitTimeoutMs: number;
    /** Per HTTP attempt of a tenant tool call. */
    toolCallTimeoutMs: number;
  };
  /** TOOL_URL_ALLOW: hosts and CIDRs tenant tools may reach although not public (docs/security.md). */
  toolUrlAllow: AllowEntry[];
  /** Per-identity limits across all nodes (API.md "The edge"); tenants may override them. */
  rateLimits: RateLimitDefaults;
  /**
   * MODEL_LIMITS: per-model `context_window` / `max_output_tokens` (by `provider/name`), set or
   * overriding the built-in table (src/adapters/llm/model-limits.ts), compatible providers too.
   */
  modelLimits: ModelLimitOverrides;
  /**
   * Compaction (API.md "Long threads"): SUMMARY_MODEL names the summarizer (`provider/name`);
   * unset, the thread's own model summarizes; `off`, nobody does (the oldest messages are left out).
   */
  compaction: { enabled: boolean; summaryModel: string | null };
  /** `ECHO_MODEL=off` removes the built-in `spool/echo` demo model from the catalog. */
  echoModel: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
}

/** Defaults of the tenant limits (a tenant's own settings, admin API, take precedence). 0: off. */
export interface RateLimitDefaults {
  /** Every send (REST, WS, compatibility) of one end user, per minute (burst: one minute's worth). */
  sendsPerMinutePerEndUser: number;
  /** Every send of a tenant over all its credentials, per minute. */
  sendsPerMinutePerTenant: number;
  /** Every other request or WS frame of one end user (end-user token), per minute. */
  requestsPerMinutePerEndUser: number;
  /** Open SSE streams + WS subscriptions of one end user, across nodes. */
  streamsPerEndUser: number;
  /** Open streams of a whole tenant, across nodes. */
  streamsPerTenant: number;
  /** Input + output tokens one end user may use per UTC day (0: no quota). */
  dailyTokensPerEndUser: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string): string | null {
    const value = this.env[name]?.trim();
    return value ? value : null;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.str(name);
    if (raw === null) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}=${raw}: expected one of ${allowed.join(", ")}`);
    return fallback;
  }

  url(name: string): string | null {
    const raw = this.str(name);
    if (raw === null) return null;
    try {
      new URL(raw);
      return raw;
    } catch {
      this.problems.push(`${name}=${raw}: expected a URL`);
      return null;
    }
  }
}

function keyed(r: Reader, keyVar: string, urlVar: string) {
  const apiKey = r.str(keyVar);
  const baseUrl = r.url(urlVar);
  return apiKey ? { apiKey, baseUrl } : null;
}

function compatibleProviders(r: Reader): CompatibleProviderConfig[] {
  const names = (r.str("COMPAT_PROVIDERS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const out: CompatibleProviderConfig[] = [];
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      r.problems.push(`COMPAT_PROVIDERS: "${name}" must be lower-case letters, digits and dashes`);
      continue;
    }
    const prefix = name.toUpperCase().replaceAll("-", "_");
    const baseUrl = r.url(`${prefix}_BASE_URL`);
    if (!baseUrl) r.problems.push(`${prefix}_BASE_URL is required for compatible provider ${name}`);
    // Local servers (Ollama, vLLM) take any key.
    out.push({ name, baseUrl: baseUrl ?? "", apiKey: r.str(`${prefix}_API_KEY`) ?? "none" });
  }
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const port = r.int("PORT", 8787, 0, 65535);
  const host = r.str("HOST") ?? "127.0.0.1";
  const leaseTtlMs = r.int("LEASE_TTL_MS", 10_000, 1000, 600_000);
  const mongoUrl = r.url("MONGO_URL");
  const internalPortRaw = r.str("INTERNAL_PORT");
  const internalPort = internalPortRaw === null ? null : r.int("INTERNAL_PORT", 0, 0, 65535);
  const internalHost = r.str("INTERNAL_HOST") ?? host;
  const advertiseHost = (h: string) => (h === "0.0.0.0" ? "127.0.0.1" : h);
  const meiliUrl = r.url("MEILI_URL");
  const config: Config = {
    port,
    host,
    dataDir: resolve(r.str("DATA_DIR") ?? "./data"),
    adminKey: r.str("ADMIN_KEY"),
    playgroundSecretKey: r.str("PLAYGROUND_SECRET_KEY"),
    // Host and port name one listening process: a node restarted after a crash has the same id
    // and takes its threads' leases back at once (with new epochs) instead of waiting out the TTL.
    nodeId: r.str("NODE_ID") ?? `${hostname()}-${port}`,
    advertiseUrl:
      r.url("ADVERTISE_URL") ??
      (internalPort === null
        ? `http://${advertiseHost(host)}:${port}`
        : `http://${advertiseHost(internalHost)}:${internalPort}`),
    internal: internalPort === null ? null : { host: internalHost, port: internalPort },
    // 30 s: most answers finish well within it; orchestrators (Kubernetes) wait 30 s by default.
    shutdownGraceMs: r.int("SHUTDOWN_GRACE_MS", 30_000, 0, 3_600_000),
    // 120 s: an idle keep-alive socket is reclaimed; SSE (15 s pings) and WS (pings) stay open.
    // At least 30 s: twice the SSE ping interval, so a quiet stream is never cut.
    httpIdleTimeoutS: r.int("HTTP_IDLE_TIMEOUT_S", 120, 30, 255),
    redis: { url: r.url("REDIS_URL"), prefix: r.str("REDIS_PREFIX") ?? "spool" },
    mongo: mongoUrl ? { url: mongoUrl, database: r.str("MONGO_DB") ?? "spool" } : null,
    meili: meiliUrl
      ? {
          url: meiliUrl,
          apiKey: r.str("MEILI_API_KEY"),
          index: r.str("MEILI_INDEX") ?? "spool-messages",
        }
      : null,
    providers: {
      anthropic: keyed(r, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
      openai: keyed(r, "OPENAI_API_KEY", "OPENAI_BASE_URL"),
      mistral: keyed(r, "MISTRAL_API_KEY", "MISTRAL_BASE_URL"),
      compatible: compatibleProviders(r),
    },
    embedder: {
      kind: r.oneOf("EMBEDDER", ["builtin", "openai", "mistral"] as const, "builtin"),
      model: r.str("EMBEDDING_MODEL"),
    },
    workers: r.oneOf("WORKERS", ["embedded", "external"] as const, "embedded"),
    // 5 s: an orphaned stream is finalized within lease TTL + ~5 s; a run costs a few reads.
    reaper: { everyMs: r.int("REAP_INTERVAL_MS", 5000, 100, 3_600_000) },
    // 10 min: retention counts in days, so a thread outlives its limit by minutes at most.
    retention: { everyMs: r.int("RETENTION_INTERVAL_MS", 600_000, 1000, 86_400_000) },
    // 30 s (BullMQ's default): a GC pause or a slow store call never looks like a crash.
    jobLockMs: r.int("JOB_LOCK_MS", 30_000, 1000, 600_000),
    // Renew at a third of the TTL: two renewals can fail before the lease is lost.
    lease: { ttlMs: leaseTtlMs, renewEveryMs: Math.floor(leaseTtlMs / 3) },
    limits: {
      maxBodyBytes: r.int("MAX_BODY_BYTES", 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxWsFrameBytes: r.int("MAX_WS_FRAME_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
      maxSubscriberBufferBytes: r.int(
        "MAX_SUBSCRIBER_BUFFER_BYTES",
        4 * 1024 * 1024,
        1024,
        1 << 30,
      ),
      dedupTtlMs: r.int("DEDUP_TTL_MS", 24 * 3600 * 1000, 60_000, 30 * 24 * 3600 * 1000),
      toolWaitTimeoutMs: r.int("TOOL_WAIT_TIMEOUT_MS", 10 * 60 * 1000, 100, 24 * 3600 * 1000),
      // 30 s: a tool doing real work (a search, an API call) fits; a hung one does not hold a turn.
      toolCallTimeoutMs: r.int("TOOL_CALL_TIMEOUT_MS", 30_000, 50, 10 * 60 * 1000),
    },
    toolUrlAllow: toolUrlAllow(r),
    rateLimits: {
      sendsPerMinutePerEndUser: r.int("RATE_LIMIT_SENDS_PER_END_USER", 60, 0, 1e9),
      sendsPerMinutePerTenant: r.int("RATE_LIMIT_SENDS_PER_TENANT", 30_000, 0, 1e9),
      requestsPerMinutePerEndUser: r.int("RATE_LIMIT_REQUESTS_PER_END_USER", 600, 0, 1e9),
      streamsPerEndUser: r.int("RATE_LIMIT_STREAMS_PER_END_USER", 20, 0, 1e9),
      // 10,000: far above one app's real concurrency on one Redis, a bound on a runaway client.
      streamsPerTenant: r.int("RATE_LIMIT_STREAMS_PER_TENANT", 10_000, 0, 1e9),
      dailyTokensPerEndUser: r.int("RATE_LIMIT_DAILY_TOKENS_PER_END_USER", 0, 0, 1e12),
    },
    modelLimits: modelLimits(r),
    compaction: compaction(r),
    echoModel: r.oneOf("ECHO_MODEL", ["on", "off"] as const, "on") === "on",
    logLevel: r.oneOf("LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info"),
  };
  if (config.embedder.kind === "openai" && !config.providers.openai) {
    r.problems.push("EMBEDDER=openai needs OPENAI_API_KEY");
  }
  if (config.embedder.kind === "mistral" && !config.providers.mistral) {
    r.problems.push("EMBEDDER=mistral needs MISTRAL_API_KEY");
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function compaction(r: Reader): Config["compaction"] {
  const raw = r.str("SUMMARY_MODEL");
  if (raw === null) return { enabled: true, summaryModel: null };
  if (raw === "off") return { enabled: false, summaryModel: null };
  if (!/^[^/\s]+\/\S+$/.test(raw))
    r.problems.push(`SUMMARY_MODEL=${raw}: expected provider/name or off`);
  return { enabled: true, summaryModel: raw };
}

function modelLimits(r: Reader): ModelLimitOverrides {
  const { limits, problems } = parseModelLimits(r.str("MODEL_LIMITS"));
  r.problems.push(...problems);
  return limits;
}

function toolUrlAllow(r: Reader): AllowEntry[] {
  const { entries, problems } = parseAllowList(r.str("TOOL_URL_ALLOW") ?? "");
  for (const problem of problems) r.problems.push(`TOOL_URL_ALLOW: ${problem}`);
  return entries;
}

/** What start-up logs: the effective modes, never a secret. */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    node: config.nodeId,
    listen: `${config.host}:${config.port}`,
    internal_listen: config.internal ? `${config.internal.host}:${config.internal.port}` : "public",
    shutdown_grace_ms: config.shutdownGraceMs,
    data_dir: config.dataDir,
    redis: config.redis.url ? "external" : "embedded",
    store: config.mongo ? "mongodb" : "sqlite",
    search: config.meili ? "meilisearch" : "sqlite",
    embedder: config.embedder.kind,
    workers: config.workers,
    providers: [
      "spool",
      ...(["anthropic", "openai", "mistral"] as const).filter((p) => config.providers[p]),
      ...config.providers.compatible.map((p) => p.name),
    ],
    admin: config.adminKey ? "enabled" : "disabled (set ADMIN_KEY)",
    playground_tokens: config.playgroundSecretKey ? "minted by the server (dev only)" : "pasted",
  };
}
