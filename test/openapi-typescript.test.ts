// A client generated from openapi.yaml with openapi-typescript gets real types: every success
// response of every operation has a body type that is neither `never` nor `unknown`, and the
// shapes are the protocol's (`getThread` 200 has `id: string`; a number there does not compile).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { openApiDocument } from "../src/http/openapi.ts";

const yaml = readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8");
const dir = mkdtempSync(join(tmpdir(), "spool-openapi-ts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 60 s: one TypeScript program over the generated types takes seconds on a loaded 2-core box. */
const COMPILE_TIMEOUT_MS = 60_000;

/** Compiles each probe (in one program, next to the generated `api.d.ts`): its error messages. */
function compile(probes: string[]): string[][] {
  const files = probes.map((probe, i) => {
    const file = join(dir, `probe-${i}-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(file, probe);
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
  });
  return files.map((file) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  );
}

const HELPERS = `
import type { components, operations, paths } from "./api";
type IsNever<T> = [T] extends [never] ? true : false;
type IsUnknown<T> = unknown extends T ? true : false;
type Body<R> = R extends { content: infer C } ? C[keyof C] : never;
export type Check<T extends false> = T;
`;

test(
  "openapi-typescript turns every success response into a real type",
  async () => {
    const source = astToString(await openapiTS(yaml));
    writeFileSync(join(dir, "api.d.ts"), source);
    expect(source).toContain("getThread: {");

    // One probe line per operation: its first success status must be typed.
    const paths = (await openApiDocument()).paths as Record<
      string,
      Record<string, { operationId: string; responses: Record<string, { content?: unknown }> }>
    >;
    const lines: string[] = [];
    for (const item of Object.values(paths)) {
      for (const op of Object.values(item)) {
        const status = Object.keys(op.responses).find((s) => s.startsWith("2"));
        if (!status) continue; // the WebSocket upgrade (101) has no body
        const r = `operations["${op.operationId}"]["responses"][${status}]`;
        lines.push(`type ${op.operationId}Never = Check<IsNever<Body<${r}>>>;`);
        lines.push(`type ${op.operationId}Unknown = Check<IsUnknown<Body<${r}>>>;`);
      }
    }
    expect(lines.length).toBeGreaterThan(40);
    expect(compile([HELPERS + lines.join("\n")])).toEqual([[]]);
  },
  COMPILE_TIMEOUT_MS,
);

test(
  "the generated types are the protocol's shapes, strictly",
  () => {
    const ok = `${HELPERS}
type Thread = operations["getThread"]["responses"][200]["content"]["application/json"];
const id: Thread["id"] = "thr_1";
const lastSeq: Thread["last_seq"] = 3;
const endUser: Thread["end_user_id"] = null;
type Page = Extract<
  operations["listMessages"]["responses"][200]["content"]["application/json"],
  { object: "list" }
>;
const next: Page["next_cursor"] = null;
const role: Page["data"][number]["role"] = "assistant";
type Appended = paths["/v1/threads/{id}/messages"]["post"]["responses"][201]["content"]["application/json"];
const seq: Appended["user_message"]["seq"] = 1;
type Event = operations["streamThread"]["responses"][200]["content"]["text/event-stream"];
const created: Event["type"] = "message.created";
type Conflict = operations["sendMessage"]["responses"][409]["content"]["application/json"];
const code: Conflict["error"]["code"] = "seq_conflict";
const delta: components["schemas"]["BlockDelta"] = { type: "text_delta", text: "hi" };
export { id, lastSeq, endUser, next, role, seq, created, code, delta };
`;
    const wrong = [
      `${HELPERS} const x: operations["getThread"]["responses"][200]["content"]["application/json"]["id"] = 1; export { x };`,
      `${HELPERS} const x: operations["sendMessage"]["responses"][409]["content"]["application/json"]["error"]["code"] = "not_found"; export { x };`,
      `${HELPERS} const x: operations["streamThread"]["responses"][200]["content"]["text/event-stream"]["type"] = "chunk"; export { x };`,
    ];
    const [okErrors, ...wrongErrors] = compile([ok, ...wrong]);
    expect(okErrors).toEqual([]);
    for (const errors of wrongErrors) expect(errors.length).toBeGreaterThan(0);
  },
  COMPILE_TIMEOUT_MS,
);
