// Local hardening of the embedded default: DATA_DIR private (0700 / 0600), the embedded Redis has
// a password that no `ps` shows, and Spool never adopts a Redis on its recorded port that cannot
// prove it is its own. Where the machine allows it, an unprivileged user tries to read the files.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startEmbeddedRedis } from "../../src/adapters/redis/embedded-redis.ts";
import { ensurePrivateDir } from "../../src/private-files.ts";
import { startRedis } from "../support/redis.ts";
import { startSpool } from "../support/spool.ts";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** A parent anyone may enter, so only Spool's own modes keep other users out. */
function openParent(): string {
  const parent = mkdtempSync(join(tmpdir(), "spool-local-"));
  chmodSync(parent, 0o755);
  return parent;
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** redis-cli, so an unauthenticated probe is a plain RESP exchange (ioredis' HELLO fails first). */
function cli(port: string, args: string[]): string {
  const run = spawnSync("redis-cli", ["-p", port, ...args], { encoding: "utf8" });
  return `${run.stdout}${run.stderr}`;
}

function canRunAsNobody(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync("runuser", ["-u", "nobody", "--", "true"]).status === 0;
}

function asNobody(command: string): { status: number | null; output: string } {
  const run = spawnSync("runuser", ["-u", "nobody", "--", "sh", "-c", command], {
    encoding: "utf8",
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("embedded redis", () => {
  test("requires its password, keeps it off the command line, and its files private", async () => {
    const dataDir = join(openParent(), "data");
    ensurePrivateDir(dataDir);
    const embedded = await startEmbeddedRedis(dataDir);
    stops.push(embedded.stop);
    const url = new URL(embedded.url);
    expect(url.password.length).toBeGreaterThanOrEqual(32);

    expect(cli(url.port, ["PING"])).toContain("NOAUTH");
    const authed = new Redis(embedded.url);
    expect(await authed.ping()).toBe("PONG");
    authed.disconnect();

    const ps = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout;
    expect(ps).toContain("redis-server");
    expect(ps).not.toContain(url.password);
    expect(mode(join(dataDir, "redis"))).toBe(0o700);
    expect(mode(join(dataDir, "redis", "secrets.json"))).toBe(0o600);
    expect(mode(join(dataDir, "redis", "redis.conf"))).toBe(0o600);

    // A second node on the same DATA_DIR adopts the running server (it proves it is ours).
    const again = await startEmbeddedRedis(dataDir);
    expect(again.url).toBe(embedded.url);
  });

  test("a Redis without the password on the recorded port is never adopted", async () => {
    const dataDir = join(openParent(), "data");
    ensurePrivateDir(dataDir);
    const first = await startEmbeddedRedis(dataDir);
    await first.stop();
    const before = readFileSync(join(dataDir, "redis", "secrets.json"), "utf8");
    const foreign = await startRedis(); // open, no password, another directory
    stops.push(foreign.stop);
    writeFileSync(join(dataDir, "redis", "redis.port"), String(foreign.port));

    const embedded = await startEmbeddedRedis(dataDir);
    stops.push(embedded.stop);
    expect(Number(new URL(embedded.url).port)).not.toBe(foreign.port);
    expect(readFileSync(join(dataDir, "redis", "secrets.json"), "utf8")).not.toBe(before);
    const probe = new Redis(foreign.url);
    expect(await probe.ping()).toBe("PONG"); // left alone, not shut down
    probe.disconnect();
  });

  test("an impostor that asks for a password and accepts any is not adopted; the password rotates", async () => {
    const dataDir = join(openParent(), "data");
    ensurePrivateDir(dataDir);
    const first = await startEmbeddedRedis(dataDir);
    const oldPassword = new URL(first.url).password;
    await first.stop();
    const seen: string[] = [];
    const impostor: Server = createServer((socket) => {
      socket.on("data", (data) => {
        const text = data.toString();
        seen.push(text);
        if (text.includes("PING")) socket.write("-NOAUTH Authentication required.\r\n");
        else socket.write("+OK\r\n$-1\r\n"); // AUTH accepted, identity missing
      });
    });
    await new Promise<void>((r) => impostor.listen(0, "127.0.0.1", () => r()));
    stops.push(() => new Promise((r) => impostor.close(() => r())));
    const port = (impostor.address() as { port: number }).port;
    writeFileSync(join(dataDir, "redis", "redis.port"), String(port));

    const embedded = await startEmbeddedRedis(dataDir);
    stops.push(embedded.stop);
    expect(Number(new URL(embedded.url).port)).not.toBe(port);
    expect(new URL(embedded.url).password).not.toBe(oldPassword);
    // what the impostor learned opens nothing
    const leaked = cli(new URL(embedded.url).port, [
      "--no-auth-warning",
      "-a",
      oldPassword,
      "PING",
    ]);
    expect(leaked).toMatch(/WRONGPASS|invalid password|AUTH failed/);
    expect(leaked).not.toContain("PONG");
    expect(seen.length).toBeGreaterThan(0);
  });
});

test("an older Spool's password-less server for this DATA_DIR is shut down, not run beside", async () => {
  const dataDir = join(openParent(), "data");
  ensurePrivateDir(dataDir);
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const legacy = await startRedis({ dir }); // what wave 1 left running: no password, our dir
  stops.push(legacy.stop);
  writeFileSync(join(dir, "redis.port"), String(legacy.port));

  const embedded = await startEmbeddedRedis(dataDir);
  stops.push(embedded.stop);
  expect(Number(new URL(embedded.url).port)).not.toBe(legacy.port);
  expect(cli(String(legacy.port), ["PING"])).not.toContain("PONG");
});

describe("DATA_DIR", () => {
  test("is created 0700 with the store files 0600, and an older, wider data dir is tightened", async () => {
    const dataDir = join(openParent(), "old-data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, "leftover.txt"), "x", { mode: 0o644 });
    chmodSync(join(dataDir, "leftover.txt"), 0o644);
    ensurePrivateDir(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, "leftover.txt"))).toBe(0o600);

    const spool = await startSpool();
    stops.push(() => spool.close());
    expect(mode(spool.dataDir)).toBe(0o700);
    expect(mode(join(spool.dataDir, "spool.db"))).toBe(0o600);
  });

  test.if(canRunAsNobody())(
    "another local user can read neither the store nor talk to Redis",
    async () => {
      const dataDir = join(openParent(), "data");
      ensurePrivateDir(dataDir);
      const embedded = await startEmbeddedRedis(dataDir);
      stops.push(embedded.stop);
      writeFileSync(join(dataDir, "spool.db"), "secret");
      const read = asNobody(
        `cat ${join(dataDir, "spool.db")} ${join(dataDir, "redis", "secrets.json")}`,
      );
      expect(read.status).not.toBe(0);
      expect(read.output).toMatch(/Permission denied/);
      const port = new URL(embedded.url).port;
      const talk = asNobody(`redis-cli -p ${port} PING`);
      expect(talk.output).toContain("NOAUTH");
    },
  );
});
