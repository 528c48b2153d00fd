/**
 * Who a request acts for, once authentication resolved its credential. Every transport hands this
 * to the use-case seam (src/use-cases/); nothing below the seam looks at credentials.
 */
export interface AuthContext {
  tenantId: string;
  keyId: string;
  /** Set for end-user tokens: every read and write is limited to this end user. */
  endUserId: string | null;
}
