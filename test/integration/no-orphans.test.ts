// No redis-server outlives the test process that started it, even when that process is killed
// with SIGKILL (no exit handler runs): the watchdog of test/support/tied-process.ts ends it.
import { expect, test } from "bun:test";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a SIGKILLed test process leaves no redis-server behind", async () => {
  const child = Bun.spawn([process.execPath, "test/support/orphan-probe.ts"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("probe exited early");
    text += new TextDecoder().decode(value);
  }
  const redisPid = Number(text.trim());
  expect(alive(redisPid)).toBe(true);
  child.kill("SIGKILL");
  await child.exited;
  const deadline = Date.now() + 5000;
  while (alive(redisPid) && Date.now() < deadline) await Bun.sleep(100);
  expect(alive(redisPid)).toBe(false);
}, 20_000);
