/**
 * The rules of registering a tenant tool (`POST /v1/tools`), applied before anything is stored:
 * the URL must reach only allowed destinations (domain/destination-policy.ts: its host resolved
 * now, every address checked; the call is checked again at connect time, so this is the early,
 * readable refusal, not the only one) and the input_schema must compile. 422 with `param`.
 */
import type { DestinationPolicy } from "../domain/destination-policy.ts";
import type { HostResolver } from "../ports/host-resolver.ts";
import type { SchemaValidator } from "../ports/schema-validator.ts";
import { ValidationError } from "../protocol/errors.ts";

export class ToolRegistrationRules {
  constructor(
    private readonly policy: DestinationPolicy,
    private readonly resolver: HostResolver,
    private readonly validator: SchemaValidator,
  ) {}

  async check(tool: { url: string; input_schema: Record<string, unknown> }): Promise<void> {
    const schema = this.validator.checkSchema(tool.input_schema);
    if (!schema.ok) throw new ValidationError(schema.message, "input_schema");
    const target = this.policy.checkUrl(tool.url);
    if (!target.ok) throw new ValidationError(`url ${target.reason}`, "url");
    let addresses: string[];
    try {
      addresses = target.literal ? [target.host] : await this.resolver.resolve(target.host);
    } catch {
      throw new ValidationError(`url: the host ${target.host} does not resolve`, "url");
    }
    const verdict = this.policy.checkAddresses(target.host, addresses);
    if (!verdict.ok) {
      throw new ValidationError(
        `url is not an allowed destination: ${verdict.reason} (TOOL_URL_ALLOW opens exceptions)`,
        "url",
      );
    }
  }
}
