/**
 * The OpenAPI document as the routes describe it, and the YAML forms of the committed
 * `openapi.yaml` and `asyncapi.yaml`. Building the app needs no backend: routes touch services
 * only per request.
 */
import { loadConfig } from "../config.ts";
import { asyncApiDocument } from "../protocol/asyncapi-document.ts";
import { buildApp } from "./app.ts";
import type { Services } from "./services.ts";

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const services = { config: loadConfig({}) } as Services;
  const app = buildApp(services, { onKeyRevoked: () => undefined });
  const response = await app.handle(new Request("http://localhost/openapi.json"));
  return (await response.json()) as Record<string, unknown>;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Block-style YAML; every string is double-quoted (JSON escapes are valid YAML). */
export function toYaml(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return value.map((item) => `\n${indent}- ${toYaml(item, `${indent}  `).trimStart()}`).join("");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    if (entries.length === 0) return "{}";
    return entries
      .map(([key, v]) => {
        const name = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
        const nested = v !== null && typeof v === "object" && Object.keys(v).length > 0;
        return `\n${indent}${name}:${nested ? "" : " "}${toYaml(v, `${indent}  `)}`;
      })
      .join("");
  }
  return JSON.stringify(value ?? null);
}

export async function openApiYaml(): Promise<string> {
  return `# Generated from the routes by \`npm run openapi\`; test/openapi.test.ts fails when stale.\n${toYaml(await openApiDocument()).trimStart()}\n`;
}

export function asyncApiYaml(): string {
  return `# Generated from src/protocol/ by \`npm run asyncapi\`; test/asyncapi.test.ts fails when stale.\n${toYaml(asyncApiDocument()).trimStart()}\n`;
}
