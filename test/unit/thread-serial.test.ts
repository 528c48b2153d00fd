// The per-thread gate of the persist jobs (workers/thread-serial.ts): jobs sharing a thread run one
// after another in arrival order, others side by side, and a failure opens the gate.
import { describe, expect, test } from "bun:test";
import { ThreadSerial } from "../../workers/thread-serial.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("ThreadSerial", () => {
  test("jobs sharing a thread run one at a time, in arrival order", async () => {
    const serial = new ThreadSerial();
    const log: string[] = [];
    const first = deferred();
    const a = serial.run(["t1", "t2"], async () => {
      log.push("a start");
      await first.promise;
      log.push("a end");
    });
    const b = serial.run(["t2"], async () => {
      log.push("b");
    });
    const c = serial.run(["t2", "t3"], async () => {
      log.push("c");
    });
    await Bun.sleep(5);
    expect(log).toEqual(["a start"]);
    first.resolve();
    await Promise.all([a, b, c]);
    expect(log).toEqual(["a start", "a end", "b", "c"]);
    expect(serial.size).toBe(0);
  });

  test("jobs on other threads run side by side", async () => {
    const serial = new ThreadSerial();
    const gate = deferred();
    let running = 0;
    let most = 0;
    const job = () =>
      serial.run([`t${running}`], async () => {
        running++;
        most = Math.max(most, running);
        await gate.promise;
      });
    const jobs = [job(), job(), job()];
    await Bun.sleep(5);
    gate.resolve();
    await Promise.all(jobs);
    expect(most).toBe(3);
  });

  test("a failed job passes its error on and lets the next one run", async () => {
    const serial = new ThreadSerial();
    const failed = serial.run(["t1"], async () => {
      throw new Error("store down");
    });
    const next = serial.run(["t1"], async () => "ran");
    await expect(failed).rejects.toThrow("store down");
    expect(await next).toBe("ran");
    expect(serial.size).toBe(0);
  });
});
