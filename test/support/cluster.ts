/**
 * Three (or N) in-process Spool nodes sharing one Redis prefix and one SQLite data dir, each with
 * its own node id and a real listening socket, so commands are forwarded between them over real
 * HTTP and events travel through real Redis pub/sub.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BunServer } from "../../src/serve-bun.ts";
import { freshPrefix } from "./redis.ts";
import { startSpool, type TestSpool } from "./spool.ts";

export interface ClusterNode {
  spool: TestSpool;
  server: BunServer;
  nodeId: string;
  url: string;
}

export interface TestCluster {
  nodes: ClusterNode[];
  secretKey: string;
  prefix: string;
  /** A request to node `i` over its socket, with the tenant's key. */
  fetch(i: number, method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startCluster(
  size: number,
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const prefix = freshPrefix("cluster");
  const dataDir = mkdtempSync(join(tmpdir(), "spool-cluster-"));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < size; i++) {
    const nodeId = `node-${i}`;
    const spool = await startSpool({
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      NODE_ID: nodeId,
      ...env,
    });
    const server = await spool.listen();
    await spool.runtime.announce(server.port);
    nodes.push({ spool, server, nodeId, url: `http://127.0.0.1:${server.port}` });
  }
  const secretKey = nodes[0]!.spool.secretKey;
  return {
    nodes,
    secretKey,
    prefix,
    fetch(i, method, path, body) {
      return fetch(`${nodes[i]!.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    async close() {
      for (const node of nodes) await node.spool.close();
    },
  };
}
