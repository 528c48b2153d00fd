/**
 * Who a request acts for, once authentication resolved its credential. Every transport hands this
 * to the use-case seam (src/use-cases/); nothing below the seam looks at credentials.
 */
import type { EndUserPolicy } from "../protocol/requests.ts";

export interface AuthContext {
  tenantId: string;
  keyId: string;
  /** Set for end-user tokens: every read and write is limited to this end user. */
  endUserId: string | null;
  /** End-user tokens: the policy signed into the token (null: none, the defaults apply). */
  policy?: EndUserPolicy | null;
  /** End-user tokens: epoch ms when the token expires; what it opened ends then. */
  expiresAt?: number | null;
}
