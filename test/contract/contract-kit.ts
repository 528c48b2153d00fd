/**
 * Shared plumbing of the contract suites: a fresh store per test from the adapter's factory, and
 * known differences declared as data (`skip: [{reason, tests}]`), never as `if`s in a test.
 * A skip entry naming a test that does not exist fails the suite, so the list cannot rot.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";

export interface StoreHandle<S> {
  store: S;
  cleanup(): Promise<void>;
}

export type StoreFactory<S> = () => Promise<StoreHandle<S>>;

export interface ContractOptions {
  skip?: { reason: string; tests: string[] }[];
}

export interface ContractKit<S> {
  /** Registers a test that gets the fresh store of its run. */
  test(name: string, body: (store: S) => Promise<void>, timeoutMs?: number): void;
  /** Registers the check that every skipped name matched a registered test. Call last. */
  checkSkips(): void;
}

/** Must be called inside a `describe`: the hooks it registers are scoped to it. */
export function contractKit<S>(
  factory: StoreFactory<S>,
  options: ContractOptions = {},
): ContractKit<S> {
  let current: StoreHandle<S> | null = null;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    const handle = current;
    current = null;
    await handle?.cleanup();
  });

  const skipReasons = new Map<string, string>();
  for (const entry of options.skip ?? []) {
    for (const name of entry.tests) skipReasons.set(name, entry.reason);
  }
  const registered = new Set<string>();

  return {
    test(name, body, timeoutMs) {
      registered.add(name);
      const reason = skipReasons.get(name);
      if (reason !== undefined) {
        test.skip(`${name} (skipped: ${reason})`, () => body(storeOf(current)));
        return;
      }
      test(name, () => body(storeOf(current)), timeoutMs);
    },
    checkSkips() {
      test("the skip list names only tests of this suite", () => {
        const unknown = [...skipReasons.keys()].filter((name) => !registered.has(name));
        expect(unknown).toEqual([]);
      });
    },
  };
}

function storeOf<S>(handle: StoreHandle<S> | null): S {
  if (!handle) throw new Error("no store: the factory failed or the test ran outside its suite");
  return handle.store;
}
