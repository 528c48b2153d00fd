/**
 * The ToolRegistry contract suite (ports/tool-registry.ts), run by every adapter's runner:
 * `toolRegistryContract("sqlite", factory)`. Each test gets a fresh, empty registry.
 */
import { describe, expect } from "bun:test";
import type { ToolRecord, ToolRegistry } from "../../src/ports/tool-registry.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";

const BASE_MS = 1_764_000_000_000;

export function toolRecord(overrides: Partial<ToolRecord> = {}): ToolRecord {
  return {
    tenant_id: "ten_a",
    name: "get_weather",
    description: "Weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    url: "https://tools.example.com/weather",
    secret: "whsec_abc",
    created_at: BASE_MS,
    updated_at: BASE_MS,
    ...overrides,
  };
}

export function toolRegistryContract(
  name: string,
  factory: StoreFactory<ToolRegistry>,
  options: ContractOptions = {},
): void {
  describe(`ToolRegistry contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("put then get returns the tool as given", async (registry) => {
      const tool = toolRecord({ description: null });
      expect(await registry.put(tool)).toStrictEqual(tool);
      expect(await registry.get("ten_a", "get_weather")).toStrictEqual(tool);
      expect(await registry.get("ten_a", "nope")).toBeNull();
    });

    kit.test("put of an existing name replaces it and keeps created_at", async (registry) => {
      await registry.put(toolRecord());
      const replaced = toolRecord({
        url: "https://tools.example.com/v2",
        secret: "whsec_new",
        created_at: BASE_MS + 5000,
        updated_at: BASE_MS + 5000,
      });
      const stored = await registry.put(replaced);
      expect(stored).toStrictEqual({ ...replaced, created_at: BASE_MS });
      expect(await registry.list("ten_a")).toHaveLength(1);
    });

    kit.test("tools are scoped by tenant", async (registry) => {
      await registry.put(toolRecord({ tenant_id: "ten_a" }));
      await registry.put(toolRecord({ tenant_id: "ten_b", url: "https://b.example.com" }));
      expect((await registry.get("ten_b", "get_weather"))?.url).toBe("https://b.example.com");
      expect(await registry.delete("ten_a", "get_weather")).toBe(true);
      expect(await registry.get("ten_a", "get_weather")).toBeNull();
      expect(await registry.get("ten_b", "get_weather")).not.toBeNull();
    });

    kit.test("list orders by name; delete is false for a missing tool", async (registry) => {
      for (const n of ["zeta", "alpha", "mid"]) await registry.put(toolRecord({ name: n }));
      expect((await registry.list("ten_a")).map((t) => t.name)).toEqual(["alpha", "mid", "zeta"]);
      expect(await registry.list("ten_other")).toEqual([]);
      expect(await registry.delete("ten_a", "missing")).toBe(false);
    });

    kit.checkSkips();
  });
}
