/**
 * The ThreadStore contract suite (ports/thread-store.ts), run by every adapter's runner:
 * `threadStoreContract("sqlite", factory)`. The factory gives each test a fresh, empty store;
 * the cases live in two files (threads, messages) and only meet here.
 */
import { describe } from "bun:test";
import type { ThreadStore } from "../../src/ports/thread-store.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import { branchCases } from "./thread-store-branches.cases.ts";
import { messageCases } from "./thread-store-messages.cases.ts";
import { threadCases } from "./thread-store-threads.cases.ts";
import { usageCases } from "./thread-store-usage.cases.ts";

export function threadStoreContract(
  name: string,
  factory: StoreFactory<ThreadStore>,
  options: ContractOptions = {},
): void {
  describe(`ThreadStore contract: ${name}`, () => {
    const kit = contractKit(factory, options);
    describe("threads", () => threadCases(kit));
    describe("messages", () => messageCases(kit));
    describe("usage", () => usageCases(kit));
    describe("branches", () => branchCases(kit));
    kit.checkSkips();
  });
}
