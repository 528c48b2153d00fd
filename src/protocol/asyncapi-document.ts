/**
 * The AsyncAPI 3 document of Spool's streaming protocol, generated from the TypeBox schemas of
 * this folder (events.ts, ws-frames.ts): the WebSocket at /v1/ws (frames both ways) and the SSE
 * stream of a thread. Pure: scripts/write-asyncapi.ts writes it as asyncapi.yaml, and
 * test/asyncapi.test.ts validates it with @asyncapi/parser and checks it is not stale.
 */
import type { TSchema } from "@sinclair/typebox";
import { errorCodesFor } from "./error-schemas.ts";
import { PingEventSchema, STREAM_EVENT_SCHEMAS } from "./events.ts";
import { catalogNames, NAMED_SCHEMAS, toRefSchema } from "./schema-catalog.ts";
import {
  AckFrameSchema,
  CancelFrameSchema,
  CLOSE_CODES,
  ErrorFrameSchema,
  PingFrameSchema,
  PongFrameSchema,
  SendFrameSchema,
  SubscribedFrameSchema,
  SubscribeFrameSchema,
  ToolResultFrameSchema,
  UnsubscribeFrameSchema,
} from "./ws-frames.ts";

const REF = "#/components/schemas/";

interface MessageSpec {
  schema: TSchema;
  schemaName: string;
  summary: string;
}

const CLIENT_FRAMES: Record<string, MessageSpec> = {
  subscribe: {
    schema: SubscribeFrameSchema,
    schemaName: "SubscribeFrame",
    summary:
      "Follow a thread: replay after `after` (a cursor), then live. Answered by `subscribed`.",
  },
  unsubscribe: {
    schema: UnsubscribeFrameSchema,
    schemaName: "UnsubscribeFrame",
    summary: "Stop following a thread.",
  },
  send: {
    schema: SendFrameSchema,
    schemaName: "SendFrame",
    summary:
      "Send a message, the same fields as the REST body; always streams to every subscriber. Answered by `ack`.",
  },
  cancel: { schema: CancelFrameSchema, schemaName: "CancelFrame", summary: "Stop a generation." },
  tool_result: {
    schema: ToolResultFrameSchema,
    schemaName: "ToolResultFrame",
    summary: "Answer a client-side tool call (after `tool.waiting`).",
  },
  ping: { schema: PingFrameSchema, schemaName: "PingFrame", summary: "Answered by `pong`." },
};

const CONTROL_FRAMES: Record<string, MessageSpec> = {
  subscribed: {
    schema: SubscribedFrameSchema,
    schemaName: "SubscribedFrame",
    summary: "The subscription starts after `cursor`; it comes before any replayed event.",
  },
  ack: {
    schema: AckFrameSchema,
    schemaName: "AckFrame",
    summary: "A `send` was accepted: the seqs of its user and assistant messages.",
  },
  pong: { schema: PongFrameSchema, schemaName: "PongFrame", summary: "The answer to `ping`." },
  error: {
    schema: ErrorFrameSchema,
    schemaName: "ErrorFrame",
    summary: `A frame failed; the socket stays open. Codes: ${errorCodesFor(400)
      .concat(errorCodesFor(404), errorCodesFor(409), errorCodesFor(422), errorCodesFor(429))
      .join(", ")}…`,
  },
};

const EVENT_SUMMARIES: Record<keyof typeof STREAM_EVENT_SCHEMAS, string> = {
  "message.created": "A message starts (assistant: `in_progress`, empty content).",
  "block.start": "A content block starts (without its streamed part).",
  "block.delta": "A piece of the block: text, tool input JSON or thinking.",
  "block.stop": "The block is complete.",
  "tool.waiting": "The turn waits for the client's `tool_result` (`tools_mode: client`).",
  "message.completed": "The message is final, with usage.",
  "message.incomplete": "The message ended early (cancelled, interrupted, max_tokens…), final.",
  "message.failed": "The message failed (`error`), final, with what was produced.",
  "stream.reset":
    "The cursor cannot be honoured: `message` is the full current state; live events follow.",
};

function eventMessages(): Record<string, MessageSpec> {
  const out: Record<string, MessageSpec> = {};
  for (const [type, schema] of Object.entries(STREAM_EVENT_SCHEMAS)) {
    out[type] = {
      schema,
      schemaName: String(schema.title),
      summary: EVENT_SUMMARIES[type as keyof typeof STREAM_EVENT_SCHEMAS],
    };
  }
  return out;
}

const CLOSE_CODE_TEXT = [
  `${CLOSE_CODES.unauthorized} unauthorized (credential missing, invalid, revoked or expired: refresh it, then reconnect)`,
  `${CLOSE_CODES.policy} policy (frame rate or limits: back off, then reconnect)`,
  `${CLOSE_CODES.frameTooBig} frame too big`,
  `${CLOSE_CODES.restarting} server restarting (reconnect and resume with cursors)`,
  `${CLOSE_CODES.reconnectElsewhere} reconnect elsewhere (the node gave the thread up: reconnect, resume)`,
].join("; ");

function message(name: string, spec: MessageSpec, extra: Record<string, unknown> = {}) {
  return {
    name,
    title: name,
    summary: spec.summary,
    contentType: "application/json",
    payload: { $ref: `${REF}${spec.schemaName}` },
    ...extra,
  };
}

function channelMessages(names: string[]) {
  return Object.fromEntries(names.map((n) => [n, { $ref: `#/components/messages/${n}` }]));
}

function operationMessages(channel: string, names: string[]) {
  return names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }));
}

export function asyncApiDocument(version = "0.1.0"): Record<string, unknown> {
  const events = eventMessages();
  const frameSchemas = Object.fromEntries(
    [...Object.values(CLIENT_FRAMES), ...Object.values(CONTROL_FRAMES)].map((s) => [
      s.schemaName,
      s.schema,
    ]),
  );
  const all: Record<string, TSchema> = {
    ...NAMED_SCHEMAS,
    ...frameSchemas,
    PingEvent: PingEventSchema,
  };
  const names = catalogNames({ ...frameSchemas, PingEvent: PingEventSchema });
  const schemas = Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((name) => [name, toRefSchema(all[name], REF, names, all[name])]),
  );
  const messages: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CLIENT_FRAMES))
    messages[`client.${name}`] = message(name, spec);
  for (const [name, spec] of Object.entries(CONTROL_FRAMES)) messages[name] = message(name, spec);
  for (const [name, spec] of Object.entries(events)) messages[name] = message(name, spec);
  messages.ping = {
    name: "ping",
    title: "ping",
    summary: "SSE only: `event: ping`, `data: {}` every 15 s on an idle stream (no id:).",
    contentType: "application/json",
    payload: { $ref: `${REF}PingEvent` },
  };
  const clientNames = Object.keys(CLIENT_FRAMES).map((n) => `client.${n}`);
  const serverNames = [...Object.keys(CONTROL_FRAMES), ...Object.keys(events)];
  const sseNames = [...Object.keys(events), "ping"];
  return {
    asyncapi: "3.1.0",
    info: {
      title: "Spool streaming protocol",
      version,
      description:
        "Stream events and WebSocket frames of Spool (prose: docs/events.md, docs/websocket.md). " +
        'Every event but ping has `thread_id` and `cursor` = "<seq>:<offset>"; offset counts the ' +
        "events of message seq from 0, so a cursor names exactly one event. Resume with the last " +
        "cursor seen: every later event arrives once, in order, or a `stream.reset` says the " +
        "server cannot continue from it.",
    },
    defaultContentType: "application/json",
    servers: {
      websocket: {
        host: "localhost:8787",
        protocol: "ws",
        description: "A Spool node (any node of a cluster). Use wss behind TLS.",
        security: [
          { $ref: "#/components/securitySchemes/bearer" },
          { $ref: "#/components/securitySchemes/tokenQuery" },
        ],
      },
      http: {
        host: "localhost:8787",
        protocol: "http",
        description: "The same node, for Server-Sent Events.",
        security: [
          { $ref: "#/components/securitySchemes/bearer" },
          { $ref: "#/components/securitySchemes/tokenQuery" },
        ],
      },
    },
    channels: {
      websocket: {
        address: "/v1/ws",
        title: "WebSocket: one socket, many threads",
        description: `Text frames, one JSON object each. Close codes: ${CLOSE_CODE_TEXT}.`,
        servers: [{ $ref: "#/servers/websocket" }],
        messages: channelMessages([...clientNames, ...serverNames]),
        bindings: {
          ws: {
            method: "GET",
            query: {
              type: "object",
              properties: {
                token: { type: "string", description: "The credential, for browsers." },
              },
            },
          },
        },
      },
      threadStream: {
        address: "/v1/threads/{thread_id}/stream",
        title: "Server-Sent Events of one thread",
        description:
          "GET with `after=<cursor>` or `Last-Event-ID` (wins). Each event is `event: <type>`, " +
          "`id: <cursor>`, `data: <json>`, then a blank line; the stream starts with `retry: 1000`. " +
          "A streamed send (POST …/messages with stream: true) answers the same framing for its turn.",
        servers: [{ $ref: "#/servers/http" }],
        parameters: { thread_id: { description: "The thread (`thr_…`)." } },
        messages: channelMessages(sseNames),
      },
    },
    operations: {
      receiveClientFrames: {
        action: "receive",
        title: "Frames a client sends",
        channel: { $ref: "#/channels/websocket" },
        messages: operationMessages("websocket", clientNames),
      },
      sendServerFrames: {
        action: "send",
        title: "Frames Spool sends: stream events of followed threads and control frames",
        channel: { $ref: "#/channels/websocket" },
        messages: operationMessages("websocket", serverNames),
      },
      sendStreamEvents: {
        action: "send",
        title: "SSE events of a thread",
        channel: { $ref: "#/channels/threadStream" },
        messages: operationMessages("threadStream", sseNames),
        bindings: { http: { method: "GET" } },
      },
    },
    components: {
      schemas,
      messages,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "`Authorization: Bearer sk_…` (secret key) or `eut_…` (end-user token).",
        },
        tokenQuery: {
          type: "httpApiKey",
          name: "token",
          in: "query",
          description:
            "The same credential as `?token=`: a browser's WebSocket and EventSource send no headers.",
        },
      },
    },
  };
}
