// Writes asyncapi.yaml from the protocol schemas (npm run asyncapi); test/asyncapi.test.ts fails when stale.
import { writeFileSync } from "node:fs";
import { asyncApiYaml } from "../src/http/openapi.ts";

writeFileSync(new URL("../asyncapi.yaml", import.meta.url), asyncApiYaml());
process.stdout.write("asyncapi.yaml written\n");
