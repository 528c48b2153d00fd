/**
 * Tests that are not about limits burst far past the per-identity defaults; they run with these
 * raised limits (the limiter itself is unchanged). test/integration/abuse-limits.test.ts passes
 * the production defaults explicitly.
 */
export const RAISED_TEST_LIMITS: Record<string, string> = {
  RATE_LIMIT_SENDS_PER_END_USER: "1000000",
  RATE_LIMIT_SENDS_PER_TENANT: "10000000",
  RATE_LIMIT_REQUESTS_PER_END_USER: "1000000",
  RATE_LIMIT_STREAMS_PER_END_USER: "10000",
  RATE_LIMIT_STREAMS_PER_TENANT: "100000",
};
