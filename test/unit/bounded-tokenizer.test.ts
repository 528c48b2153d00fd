// The bounded BPE counter: the same counts as js-tiktoken where nothing is cut, linear time on the
// runs that made js-tiktoken quadratic (a 20 KB run froze the server ~25 s), and the threaded
// tokenizer counts off the event loop, falling back to the estimate when a count runs too long.
import { describe, expect, test } from "bun:test";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import { BpeCounter, MAX_COUNTED_CHARS } from "../../src/adapters/tokenizer/bpe-counter.ts";
import { ThreadedTokenizer } from "../../src/adapters/tokenizer/threaded-tokenizer.ts";
import { TiktokenTokenizer } from "../../src/adapters/tokenizer/tiktoken-tokenizer.ts";

const MB = 1 << 20;
const SAMPLES = [
  "hello world",
  "The quick brown fox jumps over the lazy dog's back; it's 12345 o'clock!!",
  "naïve café — 日本語のテキスト 😀👍 \n\n  code: fn(x) { return x*2; }",
  "https://example.com/a/b?c=d&e=f#frag  \t\r\n  trailing",
  "<|endoftext|> is plain text here",
  "a".repeat(30),
];

function pseudoRandom(length: number, alphabet: (n: number) => string): string {
  let x = 12345;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(alphabet(x));
  }
  return out.join("");
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

describe("BpeCounter", () => {
  const counters = { o200k: new BpeCounter(o200k), cl100k: new BpeCounter(cl100k) };
  const reference = { o200k: new Tiktoken(o200k), cl100k: new Tiktoken(cl100k) };

  test("counts exactly as js-tiktoken on ordinary text, both encodings", () => {
    for (const name of ["o200k", "cl100k"] as const) {
      for (const text of SAMPLES) {
        const counted = counters[name].count(text);
        expect(counted).toEqual({
          tokens: reference[name].encode(text, [], []).length,
          exact: true,
        });
      }
    }
    const prose = "Tokens of a long English text, with punctuation. ".repeat(2000);
    expect(counters.o200k.count(prose).tokens).toBe(reference.o200k.encode(prose, [], []).length);
  });

  test("a 1 MB run of one character is counted in well under a second", () => {
    const { value, ms } = timed(() => counters.o200k.count("a".repeat(MB)));
    console.log(`1 MB run of "a": ${value.tokens} tokens in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(500);
    expect(value.exact).toBe(false);
    // ~8 characters per token on a run: within a few % of what the uncut BPE would say.
    expect(value.tokens).toBeGreaterThan(MB / 16);
    expect(value.tokens).toBeLessThan(MB / 4);
  });

  test("every kind of long run is linear (1 MB each, no repeats to cache)", () => {
    const cases: Record<string, string> = {
      letters: pseudoRandom(MB, (x) => "qwertyuiopasdfghjklzxcvbnm"[x % 26]!),
      cjk: pseudoRandom(MB / 2, (x) => String.fromCharCode(0x4e00 + (x % 2000))),
      spaces: " ".repeat(MB),
      newlines: "\n".repeat(MB),
      punctuation: pseudoRandom(MB, (x) => "!@#$%^&*()-=+[]{};:,.<>/?"[x % 25]!),
      digits: "7".repeat(MB),
      emoji: "😀".repeat(MB / 2),
    };
    for (const [name, text] of Object.entries(cases)) {
      const { value, ms } = timed(() => counters.o200k.count(text));
      console.log(`1 MB ${name}: ${value.tokens} tokens in ${ms.toFixed(0)} ms`);
      expect(value.tokens).toBeGreaterThan(0);
      // js-tiktoken needed ~25 s for 20 KB of one run (quadratic: hours for 1 MB). The bound is
      // loose because this machine is shared; measured 0.05–1.4 s per case under load.
      expect(ms).toBeLessThan(5000);
    }
  });

  test("past MAX_COUNTED_CHARS the head is counted and the rest extrapolated", () => {
    const text = "word ".repeat((MAX_COUNTED_CHARS * 2) / 5);
    const { value, ms } = timed(() => counters.o200k.count(text));
    expect(value.exact).toBe(false);
    expect(value.tokens).toBeGreaterThan(text.length / 6);
    expect(value.tokens).toBeLessThan(text.length / 4);
    expect(ms).toBeLessThan(3000);
  });
});

describe("ThreadedTokenizer", () => {
  test("counts in a worker thread: the event loop keeps ticking meanwhile", async () => {
    const tokenizer = new ThreadedTokenizer();
    try {
      await tokenizer.count(null, ["warm the thread up"]);
      const text = pseudoRandom(MB, (x) => "qwertyuiopasdfghjklzxcvbnm"[x % 26]!);
      let last = performance.now();
      let maxGap = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 10);
      const counted = await tokenizer.count("openai/gpt-4o", [text, "and a short one"]);
      clearInterval(ticker);
      console.log(`threaded 1 MB count, largest event-loop gap: ${maxGap.toFixed(0)} ms`);
      expect(counted.tokens).toBeGreaterThan(MB / 8);
      expect(counted.exact).toBe(false);
      // Counted inline, the loop would stop for the whole count; the thread only costs the copy
      // (and this shared machine's load): a quarter of the inline time, or 250 ms, at most.
      const inThread = new TiktokenTokenizer();
      inThread.countNow("openai/gpt-4o", ["load the ranks first"]);
      const inline = timed(() => inThread.countNow("openai/gpt-4o", [text]));
      console.log(`the same count inline: ${inline.ms.toFixed(0)} ms`);
      expect(maxGap).toBeLessThan(Math.max(250, inline.ms / 4));
      expect(await tokenizer.count("openai/gpt-4o", ["hello world"])).toEqual({
        tokens: 2,
        exact: true,
      });
    } finally {
      tokenizer.close();
    }
  });

  test("a text past MAX_COUNTED_CHARS crosses to the thread as its head and is extrapolated", async () => {
    const tokenizer = new ThreadedTokenizer();
    try {
      const text = "word ".repeat((MAX_COUNTED_CHARS * 3) / 5);
      const counted = await tokenizer.count(null, [text]);
      expect(counted.exact).toBe(false);
      // " word" is one token: about one per 5 characters, over the whole text.
      expect(counted.tokens).toBeGreaterThan(text.length / 5.5);
      expect(counted.tokens).toBeLessThan(text.length / 4.5);
    } finally {
      tokenizer.close();
    }
  });

  test("a count that runs out of time is the character estimate, and the next count works", async () => {
    const tokenizer = new ThreadedTokenizer({ timeoutMs: 1 });
    try {
      const slow = await tokenizer.count(null, ["x".repeat(400_000)]);
      expect(slow).toEqual({ tokens: 100_000, exact: false });
    } finally {
      tokenizer.close();
    }
    const fresh = new ThreadedTokenizer();
    try {
      expect((await fresh.count(null, ["hello world"])).tokens).toBe(2);
    } finally {
      fresh.close();
    }
  });
});
