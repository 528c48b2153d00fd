/**
 * This node's entry in the node registry: a heartbeat every `everyMs` while it runs, removed on
 * graceful shutdown so other nodes stop forwarding to it at once instead of at staleness.
 */
import type { Clock, TimerHandle } from "../src/ports/clock.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { NodeRegistry } from "../src/ports/node-registry.ts";

export class NodePresence {
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly nodeId: string,
    private readonly url: string,
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.registry.heartbeat(this.nodeId, this.url);
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    await this.registry.remove(this.nodeId);
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => {
      this.registry
        .heartbeat(this.nodeId, this.url)
        .catch((error) => this.logger.warn("node heartbeat failed", { node: this.nodeId, error }))
        .finally(() => {
          if (!this.#stopped) this.#schedule();
        });
    }, this.everyMs);
  }
}
