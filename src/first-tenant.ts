/**
 * The default tenant of an empty store (its secret key is printed once at start-up).
 */
import { newId } from "./domain/ids.ts";
import type { TokenService } from "./http/tokens.ts";
import type { TenantStore } from "./ports/tenant-store.ts";

/**
 * The default tenant of an empty store, created once however many nodes start together: they all
 * agree on one id through an atomic first-writer-wins claim, and only the node whose insert of
 * that id succeeds (primary key) creates its key and prints it.
 */
export async function firstTenant(
  tenants: TenantStore,
  tokens: TokenService,
): Promise<string | null> {
  if ((await tenants.countTenants()) > 0) return null;
  const id = await tenants.getOrCreateSetting("first_tenant_id", () => newId("ten"));
  if (await tenants.getTenant(id)) return null;
  try {
    await tenants.createTenant({ id, name: "default", created_at: Date.now() });
  } catch (error) {
    if (await tenants.getTenant(id)) return null; // another node inserted it first: it prints the key
    throw error;
  }
  return (await tokens.createSecretKey(id)).key;
}
