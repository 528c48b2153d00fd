/**
 * Credentials: end-user tokens (minted with a secret key) and the admin API for tenants and their
 * secret keys. Revoking a key stops it, its end-user tokens and its open sockets at once.
 */
import { Elysia, t } from "elysia";
import { intField, stringField } from "../domain/cursor.ts";
import { newId } from "../domain/ids.ts";
import type { SecretKeyRecord, TenantRecord } from "../domain/records.ts";
import { NotFoundError } from "../protocol/errors.ts";
import {
  CreateTenantBodySchema,
  EndUserTokenBodySchema,
  UpdateTenantBodySchema,
} from "../protocol/requests.ts";
import {
  CreatedKeySchema,
  CreatedTenantSchema,
  EndUserTokenSchema,
  SecretKeyListSchema,
  SecretKeySchema,
  TenantListSchema,
  TenantWithLimitsSchema,
} from "../protocol/resources.ts";
import { authenticate, requireAdmin, requireSecretKey } from "./auth.ts";
import { parseLimit } from "./query.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";
import { DEFAULT_TOKEN_TTL_SECONDS } from "./tokens.ts";

function wireKey(key: SecretKeyRecord) {
  return {
    id: key.id,
    object: "secret_key",
    tenant: key.tenant_id,
    hint: key.hint,
    created_at: new Date(key.created_at).toISOString(),
    revoked_at: key.revoked_at === null ? null : new Date(key.revoked_at).toISOString(),
  };
}

function wireTenant(tenant: TenantRecord) {
  return {
    id: tenant.id,
    object: "tenant" as const,
    name: tenant.name,
    created_at: new Date(tenant.created_at).toISOString(),
  };
}

/** Tenant list pages: 20 by default, at most 100 (each carries its keys). */
const TENANT_LIMIT_DEFAULT = 20;
const TENANT_LIMIT_MAX = 100;

export function accountRoutes(services: Services, onRevoked: (keyId: string) => void) {
  return new Elysia({ prefix: "/v1" })
    .post(
      "/end_user_tokens",
      async ({ request, body, set }) => {
        const auth = await authenticate(services, request);
        requireSecretKey(auth);
        const ttl = body.ttl_seconds ?? DEFAULT_TOKEN_TTL_SECONDS;
        const policy = body.policy ?? null;
        const { token, expiresAt } = services.tokens.mintEndUserToken(
          auth,
          body.end_user_id,
          ttl,
          policy,
        );
        set.status = 201;
        return {
          token,
          end_user_id: body.end_user_id,
          expires_at: new Date(expiresAt).toISOString(),
          ...(policy ? { policy } : {}),
        };
      },
      {
        body: EndUserTokenBodySchema,
        ...routeDoc({
          operationId: "createEndUserToken",
          tag: "auth",
          summary: "Mint a short-lived end-user token",
          access: "secret_key",
          responses: { 201: EndUserTokenSchema },
          errors: [400, 413, 422],
        }),
      },
    )
    .post(
      "/admin/tenants",
      async ({ request, body, set }) => {
        requireAdmin(services, request);
        const tenant = { id: newId("ten"), name: body.name, created_at: Date.now() };
        await services.tenants.createTenant(tenant);
        const { key, record } = await services.tokens.createSecretKey(tenant.id);
        set.status = 201;
        return {
          tenant: wireTenant(tenant),
          secret_key: key,
          key: wireKey(record),
        };
      },
      {
        body: CreateTenantBodySchema,
        ...routeDoc({
          operationId: "createTenant",
          tag: "admin",
          summary: "Create a tenant with its first secret key",
          access: "admin",
          responses: { 201: CreatedTenantSchema },
          errors: [400, 413, 422],
        }),
      },
    )
    .patch(
      "/admin/tenants/:tenant",
      async ({ request, params, body }) => {
        requireAdmin(services, request);
        const tenant = await services.tenants.getTenant(params.tenant);
        if (!tenant) throw new NotFoundError("tenant");
        const limits = body.limits
          ? await services.tenants.updateLimits(tenant.id, body.limits)
          : await services.tenants.getLimits(tenant.id);
        if (limits === null) throw new NotFoundError("tenant");
        services.limits.forget(tenant.id);
        return {
          id: tenant.id,
          object: "tenant",
          name: tenant.name,
          created_at: new Date(tenant.created_at).toISOString(),
          limits,
        };
      },
      {
        body: UpdateTenantBodySchema,
        ...routeDoc({
          operationId: "updateTenant",
          tag: "admin",
          access: "admin",
          responses: { 200: TenantWithLimitsSchema },
          errors: [400, 404, 413, 422],
          summary: "Update a tenant's limits",
          description:
            "`limits` fields: a number sets the tenant's own value (0: no limit), null goes back " +
            "to the server default (`RATE_LIMIT_*`). Other nodes apply a change within 5 s. " +
            "`retention_days` (0–36,500; 0 or null: kept forever) has the retention worker " +
            "delete the tenant's threads inactive for longer than that many days.",
        }),
      },
    )
    .get(
      "/admin/tenants",
      async ({ request, query }) => {
        requireAdmin(services, request);
        const limit = parseLimit(query.limit, TENANT_LIMIT_DEFAULT, TENANT_LIMIT_MAX);
        const scope = { kind: "tenants", tenantId: "", scope: "" };
        const position = query.cursor ? services.cursors.decode(scope, query.cursor) : null;
        const rows = await services.tenants.listTenants({
          limit: limit + 1,
          ...(position
            ? { after: { createdAt: intField(position, "c"), id: stringField(position, "i") } }
            : {}),
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        const hasMore = rows.length > limit;
        const data = await Promise.all(
          page.map(async (tenant) => ({
            ...wireTenant(tenant),
            keys: (await services.tenants.listKeys(tenant.id)).map(wireKey),
          })),
        );
        return {
          object: "list" as const,
          data,
          has_more: hasMore,
          next_cursor:
            hasMore && last
              ? services.cursors.encode(scope, { c: last.created_at, i: last.id })
              : null,
        };
      },
      {
        query: t.Object({ limit: t.Optional(t.String()), cursor: t.Optional(t.String()) }),
        ...routeDoc({
          operationId: "listTenants",
          tag: "admin",
          summary: "List tenants with their key ids and hints (never secrets), oldest first",
          access: "admin",
          responses: { 200: TenantListSchema },
          errors: [400],
        }),
      },
    )
    .get(
      "/admin/tenants/:tenant/keys",
      async ({ request, params }) => {
        requireAdmin(services, request);
        if (!(await services.tenants.getTenant(params.tenant))) throw new NotFoundError("tenant");
        const keys = await services.tenants.listKeys(params.tenant);
        return { object: "list", data: keys.map(wireKey), has_more: false, next_cursor: null };
      },
      routeDoc({
        operationId: "listTenantKeys",
        tag: "admin",
        summary: "List a tenant's secret keys (hints only)",
        access: "admin",
        responses: { 200: SecretKeyListSchema },
        errors: [404],
      }),
    )
    .post(
      "/admin/tenants/:tenant/keys",
      async ({ request, params, set }) => {
        requireAdmin(services, request);
        if (!(await services.tenants.getTenant(params.tenant))) throw new NotFoundError("tenant");
        const { key, record } = await services.tokens.createSecretKey(params.tenant);
        set.status = 201;
        return { secret_key: key, key: wireKey(record) };
      },
      {
        body: t.Optional(t.Object({})),
        ...routeDoc({
          operationId: "createTenantKey",
          tag: "admin",
          summary: "Issue another secret key",
          access: "admin",
          responses: { 201: CreatedKeySchema },
          errors: [400, 404, 413, 422],
        }),
      },
    )
    .delete(
      "/admin/tenants/:tenant/keys/:key",
      async ({ request, params }) => {
        requireAdmin(services, request);
        const revoked = await services.tenants.revokeKey(params.tenant, params.key, Date.now());
        if (!revoked) throw new NotFoundError("secret key");
        onRevoked(params.key);
        const key = await services.tenants.getKey(params.key);
        return key ? wireKey(key) : { id: params.key, object: "secret_key", revoked: true };
      },
      routeDoc({
        operationId: "revokeTenantKey",
        tag: "admin",
        summary: "Revoke a secret key, its end-user tokens and its open sockets",
        access: "admin",
        responses: { 200: SecretKeySchema },
        errors: [404],
      }),
    );
}
