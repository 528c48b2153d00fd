/** The send policy by credential (domain/end-user-policy.ts), pure. */
import { describe, expect, test } from "bun:test";
import { applySendPolicy } from "../../src/domain/end-user-policy.ts";
import type { EndUserPolicy, SendBody } from "../../src/protocol/requests.ts";

const echo = { id: "spool/echo", maxOutputTokens: 16_384 };
const endUser = (policy: EndUserPolicy | null = null) => ({ endUser: true, policy });
const secretKey = { endUser: false, policy: null };
const body = (extra: Partial<SendBody> = {}): SendBody => ({
  content: "hi",
  model: "spool/echo",
  ...extra,
});
const refusal = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    const e = error as { code: string; param?: string };
    return { code: e.code, param: e.param };
  }
};

describe("end-user policy", () => {
  test("an end-user token may not set system; the policy's system is used", () => {
    expect(refusal(() => applySendPolicy(body({ system: "x" }), endUser(), echo, 4096))).toEqual({
      code: "validation_failed",
      param: "system",
    });
    const out = applySendPolicy(body(), endUser({ system: "Be brief." }), echo, 4096);
    expect(out.system).toBe("Be brief.");
    expect(applySendPolicy(body(), endUser(), echo, 4096).system).toBeUndefined();
  });

  test("only policy.models, by canonical id or as sent", () => {
    const policy = { models: ["spool/echo"] };
    expect(applySendPolicy(body(), endUser(policy), echo, 4096).model).toBe("spool/echo");
    const other = { id: "openai/gpt-5.1", maxOutputTokens: 128_000 };
    expect(
      refusal(() => applySendPolicy(body({ model: "gpt-5.1" }), endUser(policy), other, 4096)),
    ).toEqual({ code: "validation_failed", param: "model" });
    expect(applySendPolicy(body({ model: "gpt-5.1" }), endUser(), other, 4096).model).toBe(
      "gpt-5.1",
    );
  });

  test("max_tokens is clamped to the policy and the model for end users", () => {
    expect(applySendPolicy(body({ max_tokens: 1_000_000 }), endUser(), echo, 4096).max_tokens).toBe(
      16_384,
    );
    expect(
      applySendPolicy(body({ max_tokens: 500 }), endUser({ max_tokens: 100 }), echo, 4096)
        .max_tokens,
    ).toBe(100);
    expect(applySendPolicy(body(), endUser({ max_tokens: 100 }), echo, 4096).max_tokens).toBe(100);
    expect(applySendPolicy(body(), endUser(), echo, 4096).max_tokens).toBe(4096);
  });

  test("a secret key past the model's output limit is 422 max_tokens, else untouched", () => {
    expect(
      refusal(() => applySendPolicy(body({ max_tokens: 20_000 }), secretKey, echo, 4096)),
    ).toEqual({ code: "validation_failed", param: "max_tokens" });
    const sent = body({ max_tokens: 100, system: "s", tools_mode: "tenant" });
    expect(applySendPolicy(sent, secretKey, echo, 4096)).toBe(sent);
  });

  test("tenant tools only where the policy allows the mode, and only its tools", () => {
    expect(
      refusal(() => applySendPolicy(body({ tools_mode: "tenant" }), endUser(), echo, 4096)),
    ).toEqual({ code: "validation_failed", param: "tools_mode" });
    const policy: EndUserPolicy = { tools_mode: ["tenant"], tools: ["weather"] };
    const narrowed = applySendPolicy(body({ tools_mode: "tenant" }), endUser(policy), echo, 4096);
    expect(narrowed.tools).toEqual([{ name: "weather" }]);
    expect(
      refusal(() =>
        applySendPolicy(
          body({ tools_mode: "tenant", tools: [{ name: "shell" }] }),
          endUser(policy),
          echo,
          4096,
        ),
      ),
    ).toEqual({ code: "validation_failed", param: "tools" });
    expect(
      refusal(() =>
        applySendPolicy(
          body({ tools_mode: "tenant" }),
          endUser({ tools_mode: ["tenant"], tools: [] }),
          echo,
          4096,
        ),
      ),
    ).toEqual({ code: "validation_failed", param: "tools_mode" });
    // Client tools stay allowed by default; a policy listing modes restricts them.
    const client = body({ tools: [{ name: "pick_date" }] });
    expect(applySendPolicy(client, endUser(), echo, 4096).tools).toEqual([{ name: "pick_date" }]);
    expect(
      refusal(() => applySendPolicy(client, endUser({ tools_mode: ["none"] }), echo, 4096)),
    ).toEqual({ code: "validation_failed", param: "tools_mode" });
  });
});
