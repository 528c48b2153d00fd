// Writes openapi.yaml from the routes (npm run openapi).
import { writeFileSync } from "node:fs";
import { openApiYaml } from "../src/http/openapi.ts";

writeFileSync(new URL("../openapi.yaml", import.meta.url), await openApiYaml());
process.stdout.write("openapi.yaml written\n");
