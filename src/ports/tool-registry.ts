/**
 * Tenant tools: HTTP endpoints a tenant registers (`POST /v1/tools`) so that Spool can call them
 * itself in `tools_mode: "tenant"` turns. Keyed by (tenant_id, name): `put` creates or replaces
 * the tool of that name (last writer wins; the registration is configuration, not history).
 * `secret` signs Spool's calls (HMAC), so it is stored as given and never returned by the API.
 */

export interface ToolRecord {
  tenant_id: string;
  /** Unique per tenant; the name the model calls. */
  name: string;
  description: string | null;
  /** JSON Schema of the tool's input, passed to the model as is. */
  input_schema: Record<string, unknown>;
  url: string;
  secret: string;
  created_at: number;
  updated_at: number;
}

export interface ToolRegistry {
  /** Creates or replaces the tenant's tool named `tool.name`; keeps the first `created_at`. */
  put(tool: ToolRecord): Promise<ToolRecord>;
  get(tenantId: string, name: string): Promise<ToolRecord | null>;
  /** The tenant's tools ordered by name. */
  list(tenantId: string): Promise<ToolRecord[]>;
  /** False when the tenant has no tool of that name. */
  delete(tenantId: string, name: string): Promise<boolean>;
}
