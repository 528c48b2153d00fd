/**
 * Child processes of a test that die with it, however it ends: killed on `exit` (a failing file,
 * a normal end) and watched by a tiny `sh` watchdog that kills the child once the test process is
 * gone (SIGKILL of the runner, a crash), which no exit handler can see.
 */
import { type Subprocess, spawn } from "bun";

/** 1 s: an orphan lives at most about a second after its test process died. */
const WATCH_EVERY_S = 1;

const tied = new Set<Subprocess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const child of tied) child.kill("SIGKILL");
  });
}

/** Ties `child` to this process: killed when this process exits or dies. */
export function tie<T extends Subprocess>(child: T): T {
  hookExit();
  tied.add(child);
  void child.exited.then(() => tied.delete(child));
  const watch = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep ${WATCH_EVERY_S}; done; kill -9 ${child.pid} 2>/dev/null`;
  const watchdog = spawn(["sh", "-c", watch], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  watchdog.unref();
  return child;
}
