/**
 * Picks the gateway for a thread: the local actor when this node owns the thread (or can take its
 * free lease), a RemoteGateway to the owner when another live node holds the lease. The lease is
 * the authority; the node registry only says where its holder listens. An unreachable owner is
 * not forwarded to again: this node waits for its lease to lapse and takes over (recovery
 * finalizes what it left in progress). A draining node takes no new turn: a send for a thread
 * it does not run is handed to another live node, one for a turn it still runs is refused (503
 * with Retry-After; the lease is released when the turn ends).
 */

import type { ThreadRecord } from "../src/domain/records.ts";
import type { LeaseStore } from "../src/ports/lease.ts";
import type { NodeRegistry } from "../src/ports/node-registry.ts";
import type { OwnerClient } from "../src/ports/owner-client.ts";
import { type ActorHost, drainingError } from "./actor-host.ts";
import type { LiveFeeds } from "./live-feed.ts";
import { RemoteGateway } from "./remote-gateway.ts";
import type { ThreadActor } from "./thread-actor.ts";
import { LocalGateway, type ThreadGateway } from "./thread-gateway.ts";

/** 3 hops: a lease may move twice while a command is in flight; more means churn, so take it. */
const MAX_FORWARDS = 3;

export interface RouterDeps {
  nodeId: string;
  host: ActorHost;
  leases: LeaseStore;
  registry: NodeRegistry;
  client: OwnerClient;
  /** How remote gateways follow a thread (they never stream over the forwarding connection). */
  feeds: LiveFeeds;
}

export class ThreadRouter {
  constructor(private readonly deps: RouterDeps) {}

  gatewayFor(thread: ThreadRecord): Promise<ThreadGateway> {
    return this.#route(thread, new Set(), 0);
  }

  /** Where a new turn goes: as gatewayFor, but never onto this node while it drains. */
  async gatewayForSend(thread: ThreadRecord): Promise<ThreadGateway> {
    if (!this.deps.host.draining) return this.gatewayFor(thread);
    if (this.deps.host.local(thread.id)) throw drainingError();
    const owner = await this.deps.leases.owner(thread.id);
    if (owner && owner.nodeId !== this.deps.nodeId) return this.gatewayFor(thread);
    const peers = (await this.deps.registry.list()).filter((n) => n.nodeId !== this.deps.nodeId);
    const peer = peers[Math.floor(Math.random() * peers.length)];
    if (!peer) throw drainingError();
    return new RemoteGateway(thread, peer, this.deps.client, this.deps.feeds, () =>
      this.#route(thread, new Set([peer.nodeId]), 1),
    );
  }

  /** For a send forwarded to this node: as ownedActor, refused while this node drains. */
  async ownedActorForSend(thread: ThreadRecord): Promise<ThreadActor | null> {
    if (this.deps.host.draining) throw drainingError();
    return this.ownedActor(thread);
  }

  /** For commands forwarded to this node: the local actor, or null when another node owns it. */
  async ownedActor(thread: ThreadRecord): Promise<ThreadActor | null> {
    const local = this.deps.host.local(thread.id);
    if (local) return local;
    return this.deps.host.tryActorFor(thread);
  }

  async #route(thread: ThreadRecord, avoid: Set<string>, hops: number): Promise<ThreadGateway> {
    const local = this.deps.host.local(thread.id);
    if (local) return new LocalGateway(local);
    const owner = await this.deps.leases.owner(thread.id);
    const remote =
      owner && owner.nodeId !== this.deps.nodeId && !avoid.has(owner.nodeId) && hops < MAX_FORWARDS
        ? await this.deps.registry.lookup(owner.nodeId)
        : null;
    if (!remote) {
      if (hops >= MAX_FORWARDS || (owner && avoid.has(owner.nodeId))) {
        return new LocalGateway(await this.deps.host.actorFor(thread));
      }
      // The lease looked free (or ours): take it now, or, if another node just did, route to it.
      const actor = await this.deps.host.tryActorFor(thread);
      if (actor) return new LocalGateway(actor);
      return this.#route(thread, avoid, hops + 1);
    }
    return new RemoteGateway(thread, remote, this.deps.client, this.deps.feeds, (failed) => {
      if (failed === "unreachable") avoid.add(remote.nodeId);
      return this.#route(thread, avoid, hops + 1);
    });
  }
}
