/**
 * Tenant tools on the wire (`/v1/tools`): the registration body and the tool object. The secret
 * is write-only: it signs Spool's calls to the tool and is never returned.
 */
import { type Static, Type as t } from "@sinclair/typebox";

export const RegisterToolBodySchema = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9_-]+$" }),
    description: t.Optional(t.String({ maxLength: 4096 })),
    input_schema: t.Record(t.String(), t.Unknown()),
    url: t.String({ minLength: 1, maxLength: 2048, pattern: "^https?://" }),
    /** 16+ chars: an HMAC key shorter than that is guessable. */
    secret: t.String({ minLength: 16, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type RegisterToolBody = Static<typeof RegisterToolBodySchema>;

export const WireToolSchema = t.Object(
  {
    object: t.Literal("tool"),
    name: t.String(),
    description: t.Union([t.String(), t.Null()]),
    input_schema: t.Record(t.String(), t.Unknown()),
    url: t.String(),
    created_at: t.String(),
    updated_at: t.String(),
  },
  { title: "Tool" },
);
export type WireTool = Static<typeof WireToolSchema>;
