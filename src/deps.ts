/**
 * Wiring: picks each port's adapter from the configuration and assembles the services. The only
 * module that knows which backend sits behind which port; actors, workers and routes see ports.
 */

import type { Redis } from "ioredis";
import type { ActorDeps } from "../actors/actor-deps.ts";
import { ActorHost } from "../actors/actor-host.ts";
import { HistoryReader } from "../actors/history-reader.ts";
import { LiveFeeds } from "../actors/live-feed.ts";
import { NodePresence } from "../actors/node-presence.ts";
import { ThreadRouter } from "../actors/thread-router.ts";
import { BullmqJobQueue } from "./adapters/bullmq/bullmq-job-queue.ts";
import { queueBoard } from "./adapters/bullmq/queue-board.ts";
import type { WorkerSet } from "./adapters/bullmq/worker-runner.ts";
import { HttpToolExecutor } from "./adapters/http-tools/http-tool-executor.ts";
import { HttpOwnerClient } from "./adapters/internal/http-owner-client.ts";
import {
  instrumentCatalog,
  instrumentCheckpoint,
  instrumentLeases,
} from "./adapters/metrics/instrumented.ts";
import { PromMetrics } from "./adapters/metrics/prom-metrics.ts";
import { checkEvictionPolicy, connectRedis } from "./adapters/redis/connection.ts";
import { startEmbeddedRedis } from "./adapters/redis/embedded-redis.ts";
import { RedisKeys } from "./adapters/redis/keys.ts";
import { RedisCheckpointStore } from "./adapters/redis/redis-checkpoint-store.ts";
import { RedisLeaseStore } from "./adapters/redis/redis-lease-store.ts";
import { RedisLiveBus } from "./adapters/redis/redis-live-bus.ts";
import { RedisNodeRegistry } from "./adapters/redis/redis-node-registry.ts";
import { openStores } from "./backends.ts";
import { type Config, describeConfig } from "./config.ts";
import { CursorCodec } from "./domain/cursor.ts";
import { newId, randomToken } from "./domain/ids.ts";
import { firstTenant } from "./first-tenant.ts";
import { type AppOptions, buildApp, type SpoolApp } from "./http/app.ts";
import { isAdminKey } from "./http/auth.ts";
import { ConnectionRegistry } from "./http/connection-registry.ts";
import type { Services } from "./http/services.ts";
import { TokenService } from "./http/tokens.ts";
import { modelCatalog } from "./model-catalog.ts";
import { systemClock } from "./ports/clock.ts";
import type { Logger } from "./ports/logger.ts";
import type { TenantStore } from "./ports/tenant-store.ts";
import { ensurePrivateDir } from "./private-files.ts";
import { Readiness } from "./readiness.ts";
import { ThreadCommands } from "./use-cases/thread-commands.ts";
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

export async function createRuntime(
  config: Config,
  logger: Logger,
  extra: Partial<AppOptions> = {},
): Promise<Runtime> {
  ensurePrivateDir(config.dataDir);
  const embedded = config.redis.url ? null : await startEmbeddedRedis(config.dataDir);
  const redisUrl = config.redis.url ?? embedded!.url;
  const redis = connectRedis(redisUrl, { name: `spool:${config.nodeId}` });
  await checkEvictionPolicy(redis);
  const keys = new RedisKeys(config.redis.prefix);
  const connections: Redis[] = [redis];
  const bullConnection = () => {
    const connection = connectRedis(redisUrl, {
      forBullmq: true,
      name: `spool:${config.nodeId}:bull`,
    });
    connections.push(connection);
    return connection;
  };

  const stores = await openStores(config);
  const { store, tenants, tools } = stores;
  const cursorSecret = await tenants.getOrCreateSetting("cursor_secret", () => randomToken(48));
  const tokenSecret = await tenants.getOrCreateSetting("token_secret", () => randomToken(48));
  const internalSecret = await tenants.getOrCreateSetting("internal_secret", () => randomToken(48));
  const tokens = new TokenService(tenants, tokenSecret, () => Date.now());
  const firstSecretKey = await firstTenant(tenants, tokens);

  const metrics = new PromMetrics();
  const checkpoint = instrumentCheckpoint(new RedisCheckpointStore(redis, keys), metrics);
  const leases = instrumentLeases(new RedisLeaseStore(redis, keys), metrics);
  const liveSubscriber = connectRedis(redisUrl, { name: `spool:${config.nodeId}:live` });
  connections.push(liveSubscriber);
  const live = new RedisLiveBus(redis, liveSubscriber, keys, logger);
  // A node is dead for routing once it missed a lease TTL of heartbeats (sent every renewal).
  const registry = new RedisNodeRegistry(redis, keys, config.lease.ttlMs, () => Date.now());
  const jobs = new BullmqJobQueue(bullConnection, keys.bullPrefix(), [...FINISHED_QUEUES]);
  const catalog = instrumentCatalog(modelCatalog(config), metrics);
  let host: ActorHost | null = null;
  const history = new HistoryReader(store, checkpoint, (t, s) => host?.snapshot(t, s) ?? null);
  const actorDeps: ActorDeps = {
    nodeId: config.nodeId,
    checkpoint,
    store,
    jobs,
    catalog,
    tools,
    toolExecutor: new HttpToolExecutor({ timeoutMs: config.limits.toolCallTimeoutMs }),
    clock: systemClock,
    history,
    logger,
    limits: {
      dedupTtlMs: config.limits.dedupTtlMs,
      maxSubscriberBufferBytes: config.limits.maxSubscriberBufferBytes,
      toolWaitTimeoutMs: config.limits.toolWaitTimeoutMs,
    },
    live,
  };
  host = new ActorHost(actorDeps, leases, config.lease);
  host.startSweeping();
  const router = new ThreadRouter({
    nodeId: config.nodeId,
    host,
    leases,
    registry,
    client: new HttpOwnerClient(internalSecret),
    logger,
  });
  const feeds = new LiveFeeds({
    live,
    checkpoint,
    message: (t, s) => history.message(t, s),
    clock: systemClock,
    logger,
    maxSubscriberBufferBytes: config.limits.maxSubscriberBufferBytes,
    watchEveryMs: config.lease.renewEveryMs,
    watchOwner: (thread) => router.watchOwner(thread),
  });
  router.attachFeeds(feeds);
  let presence: NodePresence | null = null;
  let announced: Promise<void> = Promise.resolve();

  const workers: WorkerSet | null =
    config.workers === "embedded"
      ? await startJobWorkers({
          config,
          logger,
          stores,
          checkpoint,
          leases,
          jobs,
          prefix: keys.bullPrefix(),
          bullConnection,
          metrics,
        })
      : null;

  const connectionRegistry = new ConnectionRegistry();
  const revocations = connectRedis(redisUrl, { name: `spool:${config.nodeId}:revocations` });
  connections.push(revocations);
  const revocationChannel = `${config.redis.prefix}:revoked-keys`;
  await revocations.subscribe(revocationChannel);
  revocations.on("message", (_channel: string, keyId: string) =>
    connectionRegistry.revokeKey(keyId),
  );

  metrics.observe({
    actors: () => host?.size ?? 0,
    queues: () => jobs.depths(),
  });
  const readiness = new Readiness(redis, store, jobs, config.workers === "embedded");
  const services: Services = {
    config,
    store,
    tenants,
    tools,
    checkpoint,
    host,
    router,
    commands: new ThreadCommands({ store, router }),
    internalSecret,
    history,
    cursors: new CursorCodec(cursorSecret),
    tokens,
    catalog,
    connections: connectionRegistry,
    search: stores.search,
    embedder: stores.embedder,
    readiness,
    logger,
    metrics,
  };
  const board = await queueBoard(jobs.allQueues(), (given) => isAdminKey(config.adminKey, given));
  const app = buildApp(services, {
    plugins: [board],
    onKeyRevoked: (keyId) => {
      connectionRegistry.revokeKey(keyId);
      void redis.publish(revocationChannel, keyId);
    },
    ...extra,
  });

  return {
    config,
    services,
    app,
    firstSecretKey,
    redisUrl,
    announce(port) {
      if (presence) return announced; // once per runtime; later calls wait for the first
      const url = new URL(config.advertiseUrl);
      if ((config.internal?.port ?? config.port) === 0) url.port = String(port);
      presence = new NodePresence(
        registry,
        config.nodeId,
        url.origin,
        systemClock,
        config.lease.renewEveryMs,
        logger,
      );
      announced = presence.start();
      return announced;
    },
    listening(server, runtimeName) {
      logger.info("spool listening", {
        ...describeConfig(config),
        runtime: runtimeName,
        url: `http://${config.host}:${server.port}`,
        ...(server.internalPort === null ? {} : { internal_port: server.internalPort }),
      });
    },
    drain(graceMs) {
      logger.info("draining", { grace_ms: graceMs, actors: host?.size ?? 0 });
      return host!.drain(graceMs);
    },
    async close() {
      // Leave the registry first so no command is forwarded here any more, then hand the
      // threads off: actors flush their checkpoints, tell clients to reconnect, release leases.
      await presence?.stop().catch((error) => logger.warn("node deregistration failed", { error }));
      await host?.stopAll();
      feeds.closeAll("reconnect");
      await live.close();
      await workers?.close();
      await jobs.close();
      for (const connection of connections) connection.disconnect();
      await stores.close();
      await embedded?.stop();
    },
  };
}
