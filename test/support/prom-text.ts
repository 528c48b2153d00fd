/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample
 * belongs to a family declared by `# TYPE` before it, label sets are well formed and unique, and
 * histograms are consistent (ascending `le`, cumulative counts, `+Inf` bucket = `_count`, a
 * `_sum`). Anything else throws with the offending line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<Family["type"], string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  for (const [index, line] of text.split("\n").entries()) {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    if (line === "") continue;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) continue; // a plain comment
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name)) fail("bad metric name");
      const family = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (kind === "TYPE") {
        if (!(rest in SUFFIXES)) fail("unknown type");
        if (family.samples.length > 0) fail("TYPE after samples");
        family.type = rest as Family["type"];
      } else family.help = rest;
      families.set(name, family);
      continue;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(families, sample.name);
    if (!family) fail("sample of an undeclared family");
    const identity = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(identity)) fail("duplicate sample");
    seen.add(identity);
    family!.samples.push(sample);
  }
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type]) {
      if (`${family.name}${suffix}` === sampleName) return family;
    }
  }
  return undefined;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) fail("malformed sample");
  const [, name, , body = "", raw] = match as unknown as [string, string, string, string, string];
  const labels: Record<string, string> = {};
  let rest = body;
  while (rest.length > 0) {
    const label = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,?)/.exec(rest);
    if (!label || !LABEL_NAME.test(label[1]!)) fail("malformed label");
    if (label![1]! in labels) fail("repeated label");
    labels[label![1]!] = label![2]!.replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
    rest = rest.slice(label![0].length);
    if (rest.length > 0 && label![3] !== ",") fail("missing comma between labels");
  }
  const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
  if (raw !== "NaN" && Number.isNaN(value)) fail("bad value");
  return { name, labels, value };
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([le === "+Inf" ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith("_sum")) entry.sum = s.value;
    else entry.count = s.value;
    series.set(key, entry);
  }
  for (const [key, entry] of series) {
    const where = `${family.name}${key}`;
    if (entry.sum === undefined || entry.count === undefined)
      throw new Error(`${where}: missing _sum/_count`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const [le, count] = entry.buckets[i]!;
      const [prevLe, prevCount] = entry.buckets[i - 1]!;
      if (!(le > prevLe)) throw new Error(`${where}: le not ascending`);
      if (count < prevCount) throw new Error(`${where}: buckets not cumulative`);
    }
    const last = entry.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== entry.count) throw new Error(`${where}: +Inf bucket != _count`);
  }
}

/** The value of the sample `name` whose labels include `labels` (0 when absent). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return 0;
}
