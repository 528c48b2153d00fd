/**
 * Credentials. Secret keys (`sk_…`) are random and stored as SHA-256 only. End-user tokens
 * (`eut_…`) are stateless: payload + HMAC with a server secret shared by all nodes; each use still
 * checks that the secret key that minted it is not revoked, so revocation is immediate, and that
 * its end user was not erased after it was issued (`revokeEndUser`: every token issued until then
 * is void, on every node at once, since each use reads the tenant store).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { AuthContext } from "../domain/auth-context.ts";
import { newId, randomToken } from "../domain/ids.ts";
import { isWellFormed } from "../domain/input-bounds.ts";
import type { SecretKeyRecord } from "../domain/records.ts";
import type { TenantStore } from "../ports/tenant-store.ts";
import { UnauthorizedError, ValidationError } from "../protocol/errors.ts";
import type { EndUserPolicy } from "../protocol/requests.ts";

const SECRET_KEY_RANDOM_CHARS = 40;
const TOKEN_MAC_BYTES = 16;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** A token's JSON payload at most 8 KiB: fits any header limit (nginx: 8 KiB per line is 4x). */
const MAX_TOKEN_PAYLOAD_BYTES = 8 * 1024;
/** Strict base64url: a spelling with junk, padding or other alphabets is a different token. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface Claims {
  t: string;
  k: string;
  u: string;
  e: number;
  /** Issued at (epoch ms). Tokens minted before it existed have none: issued at 0. */
  i?: number;
  p?: EndUserPolicy;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export class TokenService {
  readonly #mac: Buffer;

  constructor(
    private readonly tenants: TenantStore,
    tokenSecret: string,
    private readonly now: () => number,
  ) {
    this.#mac = Buffer.from(tokenSecret, "utf8");
  }

  async createSecretKey(tenantId: string): Promise<{ key: string; record: SecretKeyRecord }> {
    const key = `sk_${randomToken(SECRET_KEY_RANDOM_CHARS)}`;
    const record: SecretKeyRecord = {
      id: newId("key"),
      tenant_id: tenantId,
      hash: hashKey(key),
      hint: `${key.slice(0, 7)}…${key.slice(-4)}`,
      created_at: this.now(),
      revoked_at: null,
    };
    await this.tenants.createKey(record);
    return { key, record };
  }

  mintEndUserToken(
    auth: AuthContext,
    endUserId: string,
    ttlSeconds: number,
    policy: EndUserPolicy | null = null,
  ): { token: string; expiresAt: number } {
    const issuedAt = this.now();
    const expiresAt = issuedAt + ttlSeconds * 1000;
    const claims: Claims = {
      t: auth.tenantId,
      k: auth.keyId,
      u: endUserId,
      e: expiresAt,
      i: issuedAt,
    };
    if (policy) claims.p = policy;
    const json = JSON.stringify(claims);
    if (Buffer.byteLength(json) > MAX_TOKEN_PAYLOAD_BYTES) {
      throw new ValidationError(
        `The policy makes the token larger than ${MAX_TOKEN_PAYLOAD_BYTES} bytes.`,
        "policy",
      );
    }
    const payload = Buffer.from(json).toString("base64url");
    return { token: `eut_${payload}.${this.#sign(payload)}`, expiresAt };
  }

  async authenticate(credential: string): Promise<AuthContext> {
    if (credential.startsWith("sk_")) return this.#secretKey(credential);
    if (credential.startsWith("eut_")) return this.#endUserToken(credential.slice(4));
    throw new UnauthorizedError();
  }

  async #secretKey(key: string): Promise<AuthContext> {
    const hash = hashKey(key);
    const record = await this.tenants.findKeyByHash(hash);
    if (!record || record.revoked_at !== null) throw new UnauthorizedError();
    if (!timingSafeEqual(Buffer.from(record.hash, "hex"), Buffer.from(hash, "hex"))) {
      throw new UnauthorizedError();
    }
    return { tenantId: record.tenant_id, keyId: record.id, endUserId: null };
  }

  async #endUserToken(token: string): Promise<AuthContext> {
    const dot = token.indexOf(".");
    if (dot <= 0) throw new UnauthorizedError();
    const payload = token.slice(0, dot);
    const signature = token.slice(dot + 1);
    if (!BASE64URL.test(payload) || payload.length > (MAX_TOKEN_PAYLOAD_BYTES * 4) / 3 + 4) {
      throw new UnauthorizedError();
    }
    // The signature is compared as text: exactly the one canonical spelling is accepted.
    const given = Buffer.from(signature, "utf8");
    const expected = Buffer.from(this.#sign(payload), "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new UnauthorizedError();
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw new UnauthorizedError();
    }
    if (typeof claims.u !== "string" || !isWellFormed(claims.u)) throw new UnauthorizedError();
    if (claims.e <= this.now()) throw new UnauthorizedError("The end-user token has expired.");
    const key = await this.tenants.getKey(claims.k);
    if (!key || key.revoked_at !== null || key.tenant_id !== claims.t)
      throw new UnauthorizedError();
    const erasedAt = await this.tenants.endUserTokensRevokedAt(claims.t, this.#endUser(claims.u));
    if (erasedAt !== null && (typeof claims.i === "number" ? claims.i : 0) <= erasedAt)
      throw new UnauthorizedError();
    return {
      tenantId: claims.t,
      keyId: claims.k,
      endUserId: claims.u,
      policy: claims.p ?? null,
      expiresAt: claims.e,
    };
  }

  /** A connection's end-user tag (null: a secret key), for closing it when the end user is erased. */
  endUserTag(auth: AuthContext): string | null {
    return auth.endUserId === null ? null : `${auth.tenantId}:${this.#endUser(auth.endUserId)}`;
  }

  /** The tag of an end user of a tenant, as `endUserTag` gives it for their connections. */
  tagOf(tenantId: string, endUserId: string): string {
    return `${tenantId}:${this.#endUser(endUserId)}`;
  }

  /** Voids every token of the end user issued until `at` (erasure). */
  revokeEndUser(tenantId: string, endUserId: string, at: number): Promise<void> {
    return this.tenants.revokeEndUserTokens(tenantId, this.#endUser(endUserId), at);
  }

  /** Keyed by the server secret: the store cannot be searched for a guessed id. */
  #endUser(endUserId: string): string {
    return createHmac("sha256", this.#mac).update(`end_user:${endUserId}`).digest("base64url");
  }

  #sign(payload: string): string {
    return createHmac("sha256", this.#mac)
      .update(payload)
      .digest()
      .subarray(0, TOKEN_MAC_BYTES)
      .toString("base64url");
  }
}
