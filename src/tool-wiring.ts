/**
 * Wiring of tenant tools: one destination policy (TOOL_URL_ALLOW), resolver and schema validator
 * shared by the registration rules (`POST /v1/tools`) and the executor the actors call (schema
 * check, then the destination-guarded HTTP call), so both apply the same rules.
 */
import { AjvSchemaValidator } from "./adapters/ajv/ajv-schema-validator.ts";
import { SystemHostResolver } from "./adapters/dns/system-host-resolver.ts";
import { HttpToolExecutor } from "./adapters/http-tools/http-tool-executor.ts";
import { ValidatingToolExecutor } from "./adapters/http-tools/validating-tool-executor.ts";
import type { Config } from "./config.ts";
import { DestinationPolicy } from "./domain/destination-policy.ts";
import type { ToolExecutor } from "./ports/tool-executor.ts";
import { ToolRegistrationRules } from "./use-cases/tool-registration.ts";

export interface ToolWiring {
  executor: ToolExecutor;
  rules: ToolRegistrationRules;
}

export function toolWiring(config: Config): ToolWiring {
  const policy = new DestinationPolicy(config.toolUrlAllow);
  const resolver = new SystemHostResolver();
  const validator = new AjvSchemaValidator();
  const http = new HttpToolExecutor({
    timeoutMs: config.limits.toolCallTimeoutMs,
    policy,
    resolver,
  });
  return {
    executor: new ValidatingToolExecutor(validator, http),
    rules: new ToolRegistrationRules(policy, resolver, validator),
  };
}
