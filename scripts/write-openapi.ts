// Writes openapi.yaml from the routes, and asyncapi.yaml from src/protocol (npm run openapi): one
// command refreshes both generated contract documents; their tests fail when either is stale.
import { writeFileSync } from "node:fs";
import { asyncApiYaml, openApiYaml } from "../src/http/openapi.ts";

writeFileSync(new URL("../openapi.yaml", import.meta.url), await openApiYaml());
writeFileSync(new URL("../asyncapi.yaml", import.meta.url), asyncApiYaml());
process.stdout.write("openapi.yaml and asyncapi.yaml written\n");
