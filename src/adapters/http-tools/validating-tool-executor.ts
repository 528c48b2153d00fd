/**
 * A ToolExecutor that checks a model-produced input against the tool's `input_schema` before the
 * call: an invalid input is an `is_error` result (`invalid_tool_input: …`) the model can read and
 * correct, and the tool is never called (attempts: 0). Valid inputs go to the wrapped executor.
 */
import type { SchemaValidator } from "../../ports/schema-validator.ts";
import type { ToolCall, ToolExecutor, ToolOutcome } from "../../ports/tool-executor.ts";
import type { ToolRecord } from "../../ports/tool-registry.ts";

export const INVALID_TOOL_INPUT = "invalid_tool_input";

export class ValidatingToolExecutor implements ToolExecutor {
  constructor(
    private readonly validator: SchemaValidator,
    private readonly inner: ToolExecutor,
  ) {}

  execute(tool: ToolRecord, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
    const check = this.validator.validate(tool.input_schema, call.input);
    if (!check.ok) {
      return Promise.resolve({
        content: `${INVALID_TOOL_INPUT}: the input does not match the tool's input_schema: ${check.message}. No call was made.`,
        is_error: true,
        attempts: 0,
      });
    }
    return this.inner.execute(tool, call, signal);
  }
}
