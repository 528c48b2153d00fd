// Run as a child by test/integration/no-orphans.test.ts: starts a test Redis, prints its pid, and
// waits to be killed (SIGKILL: no exit handler runs).
import { startRedis } from "./redis.ts";

const redis = await startRedis();
process.stdout.write(`${redis.process.pid}\n`);
await new Promise(() => undefined);
