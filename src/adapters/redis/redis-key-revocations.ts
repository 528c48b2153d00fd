/**
 * KeyRevocations on Redis pub/sub: one cluster-wide channel (`keys.revokedKeys()`), published on
 * the node's command connection and received on a dedicated subscriber connection.
 */
import type { Redis } from "ioredis";
import type { KeyRevocations } from "../../ports/key-revocations.ts";
import type { Logger } from "../../ports/logger.ts";
import type { RedisKeys } from "./keys.ts";

export class RedisKeyRevocations implements KeyRevocations {
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {}

  publish(keyId: string): void {
    this.publisher.publish(this.keys.revokedKeys(), keyId).catch((error) => {
      // Other nodes still refuse the key on its next request; only open streams outlive it.
      this.logger.warn("revocation publish failed", { error });
    });
  }

  async subscribe(onRevoked: (keyId: string) => void): Promise<void> {
    const channel = this.keys.revokedKeys();
    this.subscriber.on("message", (from: string, keyId: string) => {
      if (from === channel) onRevoked(keyId);
    });
    await this.subscriber.subscribe(channel);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
