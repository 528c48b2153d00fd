/**
 * Wiring: picks each port's adapter from the configuration and assembles the services, as named
 * steps that each take what the earlier ones built (no object is finished by a later assignment).
 * The only module, with backends.ts and worker-runtime.ts, that knows which backend sits behind
 * which port; actors, workers and routes see ports. Redis is opened through its adapter
 * (RedisHotTier), so this file never touches an ioredis type.
 */

import type { ActorDeps } from "../actors/actor-deps.ts";
import { ActorHost } from "../actors/actor-host.ts";
import { HistoryReader } from "../actors/history-reader.ts";
import { JobCombiner } from "../actors/job-combiner.ts";
import { LiveFeeds } from "../actors/live-feed.ts";
import { NodePresence } from "../actors/node-presence.ts";
import { ThreadRouter } from "../actors/thread-router.ts";
import { queueBoard } from "./adapters/bullmq/queue-board.ts";
import type { WorkerSet } from "./adapters/bullmq/worker-runner.ts";
import { HttpOwnerClient } from "./adapters/internal/http-owner-client.ts";
import {
  instrumentCatalog,
  instrumentCheckpoint,
  instrumentLeases,
  observeHotTier,
} from "./adapters/metrics/instrumented.ts";
import { PromMetrics } from "./adapters/metrics/prom-metrics.ts";
import { RedisHotTier } from "./adapters/redis/redis-hot-tier.ts";
import { ThreadedTokenizer } from "./adapters/tokenizer/threaded-tokenizer.ts";
import { openStores, type Stores } from "./backends.ts";
import { type Config, describeConfig } from "./config.ts";
import { CursorCodec } from "./domain/cursor.ts";
import { randomToken } from "./domain/ids.ts";
import { firstTenant } from "./first-tenant.ts";
import { type AppOptions, buildApp, type SpoolApp } from "./http/app.ts";
import { isAdminKey } from "./http/auth.ts";
import { ConnectionRegistry, END_USER_REVOCATION_PREFIX } from "./http/connection-registry.ts";
import type { Services } from "./http/services.ts";
import { TokenService } from "./http/tokens.ts";
import { modelCatalog } from "./model-catalog.ts";
import { systemClock } from "./ports/clock.ts";
import type { ModelCatalog } from "./ports/llm.ts";
import type { Logger } from "./ports/logger.ts";
import type { TenantStore } from "./ports/tenant-store.ts";
import { ensurePrivateDir } from "./private-files.ts";
import { Readiness } from "./readiness.ts";
import { type ToolWiring, toolWiring } from "./tool-wiring.ts";
import { BranchCommands } from "./use-cases/branch-commands.ts";
import { CompatTurns } from "./use-cases/compat-turns.ts";
import { EndUserErasure } from "./use-cases/end-user-erasure.ts";
import { RateLimits } from "./use-cases/rate-limits.ts";
import { StreamCaps } from "./use-cases/stream-caps.ts";
import { ThreadCommands } from "./use-cases/thread-commands.ts";
import { ThreadResolution } from "./use-cases/thread-resolution.ts";
import { FINISHED_QUEUES, startJobWorkers } from "./worker-runtime.ts";

export interface Runtime {
  config: Config;
  services: Services;
  app: SpoolApp;
  /** The secret key of the tenant created on first start (printed once), else null. */
  firstSecretKey: string | null;
  redisUrl: string;
  /** Registers this node (id, internal URL) once it listens on `port`; others forward to it. */
  announce(port: number): Promise<void>;
  /** Logs the start-up line (effective modes, never secrets). */
  listening(server: { port: number; internalPort: number | null }, runtime: string): void;
  /**
   * Stops taking new turns (readiness answers 503, sends go to other nodes) and waits up to
   * `graceMs` for running ones; true when all finished.
   */
  drain(graceMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Server-wide secrets every node must share, stored once (first writer wins). */
interface Secrets {
  cursor: string;
  token: string;
  internal: string;
}

/** The actor side of a node: local actors, routing to other owners, remote followers. */
interface Actors {
  host: ActorHost;
  router: ThreadRouter;
  feeds: LiveFeeds;
  /** History as clients read it: in-progress messages filled from local actors first. */
  history: HistoryReader;
  catalog: ModelCatalog;
  /** Counts context tokens for the actors (OpenAI models exactly), in its own thread. */
  tokenizer: ThreadedTokenizer;
}

const SECRET_BYTES = 48;

export async function createRuntime(
  config: Config,
  logger: Logger,
  extra: Partial<AppOptions> = {},
): Promise<Runtime> {
  ensurePrivateDir(config.dataDir);
  const metrics = new PromMetrics();
  // The checkpoint and lease stores, timed and counted for /metrics (actors never see metrics).
  const hot = observeHotTier(await openHotTier(config, logger), {
    checkpoint: (store) => instrumentCheckpoint(store, metrics),
    leases: (store) => instrumentLeases(store, metrics),
  });
  const stores = await openStores(config);
  const secrets = await loadSecrets(stores.tenants);
  const tokens = new TokenService(stores.tenants, secrets.token, () => Date.now());
  const firstSecretKey = await firstTenant(stores.tenants, tokens);
  const tooling = toolWiring(config);
  const actors = startActors(config, logger, hot, stores, secrets, tooling, metrics);
  const workers =
    config.workers === "embedded"
      ? await startJobWorkers(config, logger, stores, hot, metrics)
      : null;
  const connections = new ConnectionRegistry();
  await hot.revocations.subscribe((id) => connections.revoke(id));
  const built: Built = { hot, stores, secrets, tokens, actors, connections, tooling, metrics };
  metrics.observe({ actors: () => actors.host.size, queues: () => hot.jobs.depths() });
  const services = assembleServices(config, logger, built);
  const app = await buildHttp(services, hot, extra);
  const presence = presenceOf(config, logger, hot);
  return {
    config,
    services,
    app,
    firstSecretKey,
    redisUrl: hot.url,
    announce: (port) => presence.announce(port),
    listening(server, runtimeName) {
      logger.info("spool listening", {
        ...describeConfig(config),
        runtime: runtimeName,
        url: `http://${config.host}:${server.port}`,
        ...(server.internalPort === null ? {} : { internal_port: server.internalPort }),
      });
    },
    drain(graceMs) {
      logger.info("draining", { grace_ms: graceMs, actors: actors.host.size });
      return actors.host.drain(graceMs);
    },
    close: () => {
      built.streams?.stop();
      return shutDown({ presence, actors, workers, hot, stores });
    },
  };
}

function openHotTier(config: Config, logger: Logger): Promise<RedisHotTier> {
  return RedisHotTier.open({
    url: config.redis.url,
    dataDir: config.dataDir,
    prefix: config.redis.prefix,
    name: `spool:${config.nodeId}`,
    logger,
    finishedQueues: [...FINISHED_QUEUES],
  });
}

async function loadSecrets(tenants: TenantStore): Promise<Secrets> {
  const secret = (name: string) =>
    tenants.getOrCreateSetting(name, () => randomToken(SECRET_BYTES));
  return {
    cursor: await secret("cursor_secret"),
    token: await secret("token_secret"),
    internal: await secret("internal_secret"),
  };
}

function actorDeps(
  config: Config,
  logger: Logger,
  hot: RedisHotTier,
  stores: Stores,
  catalog: ModelCatalog,
  tooling: ToolWiring,
  tokenizer: ThreadedTokenizer,
): ActorDeps {
  const { store, tools } = stores;
  return {
    tokenizer,
    nodeId: config.nodeId,
    checkpoint: hot.checkpoint,
    store,
    // All threads' persist and finished enqueues of a turn become one job (job-combiner.ts).
    jobs: new JobCombiner(hot.jobs),
    catalog,
    tools,
    toolExecutor: tooling.executor,
    clock: systemClock,
    // An actor reads partial content from the checkpoint: its own durable state, same answer.
    history: new HistoryReader(store, hot.checkpoint, () => null),
    logger,
    limits: {
      dedupTtlMs: config.limits.dedupTtlMs,
      maxSubscriberBufferBytes: config.limits.maxSubscriberBufferBytes,
      toolWaitTimeoutMs: config.limits.toolWaitTimeoutMs,
    },
    compaction: config.compaction,
    live: hot.live,
  };
}

function startActors(
  config: Config,
  logger: Logger,
  hot: RedisHotTier,
  stores: Stores,
  secrets: Secrets,
  tooling: ToolWiring,
  metrics: PromMetrics,
): Actors {
  const tokenizer = new ThreadedTokenizer();
  const deps = actorDeps(
    config,
    logger,
    hot,
    stores,
    instrumentCatalog(modelCatalog(config), metrics),
    tooling,
    tokenizer,
  );
  const host = new ActorHost(deps, hot.leases, config.lease);
  host.startSweeping();
  const history = new HistoryReader(stores.store, hot.checkpoint, (t, s) => host.snapshot(t, s));
  const feeds = new LiveFeeds({
    live: hot.live,
    checkpoint: hot.checkpoint,
    message: (t, s) => history.message(t, s),
    clock: systemClock,
    logger,
    maxSubscriberBufferBytes: config.limits.maxSubscriberBufferBytes,
    watchEveryMs: config.lease.renewEveryMs,
    watchOwner: (thread) => host.watchOwner(thread),
  });
  const router = new ThreadRouter({
    nodeId: config.nodeId,
    host,
    leases: hot.leases,
    // A node is dead for routing once it missed a lease TTL of heartbeats (sent every renewal).
    registry: hot.registry(config.lease.ttlMs, () => Date.now()),
    client: new HttpOwnerClient(secrets.internal),
    feeds,
  });
  return { host, router, feeds, history, catalog: deps.catalog, tokenizer };
}

interface Built {
  hot: RedisHotTier;
  stores: Stores;
  secrets: Secrets;
  tokens: TokenService;
  actors: Actors;
  connections: ConnectionRegistry;
  tooling: ToolWiring;
  metrics: PromMetrics;
  /** Set by assembleServices; stopped at shutdown (its renewal timer). */
  streams?: StreamCaps;
}

/** The compatibility endpoints' turns: thread resolution over the conversation index, then the seam. */
function compatTurns(
  commands: ThreadCommands,
  store: Stores["store"],
  hot: RedisHotTier,
  history: Actors["history"],
  dedupTtlMs: number,
): CompatTurns {
  const message = (threadId: string, seq: number) => history.message(threadId, seq);
  const index = hot.conversations;
  const resolution = new ThreadResolution({
    commands,
    store,
    checkpoint: hot.checkpoint,
    index,
    message,
  });
  return new CompatTurns({ commands, index, resolution, message, dedupTtlMs });
}

function assembleServices(config: Config, logger: Logger, built: Built): Services {
  const { hot, stores, actors, connections } = built;
  const readiness = new Readiness({
    pingHotTier: () => hot.ping(),
    store: stores.store,
    workers: config.workers === "embedded" ? hot.jobs : null,
  });
  const limits = new RateLimits({
    limiter: hot.rateLimiter,
    tenants: stores.tenants,
    usage: stores.store,
    defaults: config.rateLimits,
    clock: systemClock,
  });
  const streams = new StreamCaps(hot.streamSlots, limits, systemClock, (error) =>
    logger.warn("stream slot renewal failed", { error }),
  );
  built.streams = streams;
  const { store, tenants } = stores;
  const commands = new ThreadCommands({
    store,
    router: actors.router,
    catalog: actors.catalog,
    limits,
    streams,
    search: stores.search,
    checkpoint: hot.checkpoint,
  });
  const erasure = new EndUserErasure({
    store,
    index: hot.conversations,
    clock: systemClock,
    // Stored first (every node refuses their tokens from now on), then their open sockets and
    // streams are closed here and, through the revocation channel, on every other node.
    revokeTokens: async (tenantId, endUserId, at) => {
      await built.tokens.revokeEndUser(tenantId, endUserId, at);
      const tag = built.tokens.tagOf(tenantId, endUserId);
      connections.revokeEndUser(tag);
      hot.revocations.publish(`${END_USER_REVOCATION_PREFIX}${tag}`);
    },
    removeThread: (thread) => commands.removeThread(thread),
    forgetKeys: async (tenantId, endUserId) => {
      await limits.forgetEndUser(tenantId, endUserId);
      await streams.forgetEndUser(tenantId, endUserId);
    },
  });
  return {
    config,
    store,
    tenants,
    erasure,
    tools: stores.tools,
    toolRules: built.tooling.rules,
    checkpoint: hot.checkpoint,
    host: actors.host,
    router: actors.router,
    commands,
    branches: new BranchCommands({
      commands,
      history: actors.history,
      store,
      router: actors.router,
      now: () => Date.now(),
    }),
    limits,
    compat: compatTurns(commands, stores.store, hot, actors.history, config.limits.dedupTtlMs),
    internalSecret: built.secrets.internal,
    history: actors.history,
    cursors: new CursorCodec(built.secrets.cursor),
    tokens: built.tokens,
    catalog: actors.catalog,
    connections,
    search: stores.search,
    embedder: stores.embedder,
    readiness,
    logger,
    metrics: built.metrics,
  };
}

async function buildHttp(
  services: Services,
  hot: RedisHotTier,
  extra: Partial<AppOptions>,
): Promise<SpoolApp> {
  const { config, connections } = services;
  const board = await queueBoard(hot.jobs.allQueues(), (given) =>
    isAdminKey(config.adminKey, given),
  );
  return buildApp(services, {
    plugins: [board],
    onKeyRevoked: (keyId) => {
      connections.revokeKey(keyId);
      hot.revocations.publish(keyId);
    },
    ...extra,
  });
}

/** This node's registry entry, made once it listens (the port is known only then). */
function presenceOf(config: Config, logger: Logger, hot: RedisHotTier) {
  let presence: NodePresence | null = null;
  let announced: Promise<void> = Promise.resolve();
  return {
    announce(port: number): Promise<void> {
      if (presence) return announced; // once per runtime; later calls wait for the first
      const url = new URL(config.advertiseUrl);
      if ((config.internal?.port ?? config.port) === 0) url.port = String(port);
      const registry = hot.registry(config.lease.ttlMs, () => Date.now());
      const everyMs = config.lease.renewEveryMs;
      presence = new NodePresence(
        registry,
        config.nodeId,
        url.origin,
        systemClock,
        everyMs,
        logger,
      );
      announced = presence.start();
      return announced;
    },
    async leave(): Promise<void> {
      await presence?.stop().catch((error) => logger.warn("node deregistration failed", { error }));
    },
  };
}

interface Running {
  presence: ReturnType<typeof presenceOf>;
  actors: Actors;
  workers: WorkerSet | null;
  hot: RedisHotTier;
  stores: Stores;
}

/**
 * Leave the registry first so no command is forwarded here any more, then hand the threads off:
 * actors flush their checkpoints, tell clients to reconnect, release leases.
 */
async function shutDown(running: Running): Promise<void> {
  await running.presence.leave();
  await running.actors.host.stopAll();
  running.actors.feeds.closeAll("reconnect");
  running.actors.tokenizer.close();
  await running.workers?.close();
  await running.hot.close();
  await running.stores.close();
}
