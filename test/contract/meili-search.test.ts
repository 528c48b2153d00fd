// The SearchIndex contract on Meilisearch, where MEILI_URL points at a server (MEILI_API_KEY if it
// needs one): a fresh randomly named index per run, deleted afterwards. Skipped, visibly, otherwise.
import { describe, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { MeiliSearchIndex } from "../../src/adapters/meili/meili-search-index.ts";
import { searchIndexContract } from "./search-index.contract.ts";

const url = process.env.MEILI_URL;
const apiKey = process.env.MEILI_API_KEY ?? null;

describe.if(!!url)("meilisearch", () => {
  searchIndexContract("meilisearch", async (embedder) => {
    const index = await MeiliSearchIndex.open({
      host: url!,
      apiKey,
      indexName: `spool-test-${randomUUID()}`,
      embedder,
    });
    return { index, dispose: () => index.drop() };
  });
});

if (!url) {
  test.skip("skipped: MEILI_URL is not set", () => {
    // Never runs: it only shows in the report that this suite did not.
  });
}
