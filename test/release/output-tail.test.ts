// Output stays bounded: long lines are cut with a note, the stored tail stays within its byte
// budget, and splitting handles lines split across chunks and characters split across bytes.
import { describe, expect, it } from "vitest";
import { LineSplitter, MAX_LINE_BYTES, MAX_TAIL_BYTES, outputLine, Tail } from "../../src/release/output-tail.js";
import { createRedactor } from "../../src/release/redact.js";
import { truncateBytes } from "../../src/runtime/truncate.js";

function split(chunks: (string | Buffer)[], keep?: number): [string, number][] {
  const lines: [string, number][] = [];
  const splitter = new LineSplitter((line, dropped) => lines.push([line, dropped]), keep);
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("joins lines across chunks, strips \\r\\n, emits the last line without a newline", () => {
    expect(split(["on", "e\r\ntw", "o\n", "three"])).toEqual([["one", 0], ["two", 0], ["three", 0]]);
    expect(split(["\n\n"])).toEqual([["", 0], ["", 0]]);
  });

  it("keeps a multi-byte character split across two chunks", () => {
    const bytes = Buffer.from("héllo wörld\n");
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)])).toEqual([["héllo wörld", 0]]);
  });

  it("keeps only `keep` characters of a long line and counts the bytes it dropped", () => {
    const chunks = Array.from({ length: 80 }, () => "x".repeat(1000));
    expect(split([...chunks, "\r\nnext\n"], 5000)).toEqual([["x".repeat(5000), 75_000], ["next", 0]]);
  });
});

describe("outputLine", () => {
  it("masks a secret that straddles the cap before cutting, and says how much was cut", () => {
    const redact = createRedactor({ DB_PASSWORD: "hunter2-secret" });
    const raw = `${"a".repeat(MAX_LINE_BYTES - 5)}hunter2-secret${"b".repeat(80_000)}`;
    const line = outputLine(raw, 0, redact);
    expect(line).not.toContain("hunter");
    expect(line).toBe(`${"a".repeat(MAX_LINE_BYTES - 5)}***bb…[truncated ${80_000 - 2} bytes]`);
  });

  it("adds what the splitter dropped to the count", () => {
    expect(outputLine("short", 100, (l) => l)).toBe("short…[truncated 100 bytes]");
  });
});

describe("truncateBytes", () => {
  it("never cuts a character in half", () => {
    expect(truncateBytes("ééé", 3)).toBe("é…[truncated 4 bytes]");
    expect(truncateBytes("abc", 3)).toBe("abc");
  });
});

describe("Tail", () => {
  it("keeps the last lines within the byte budget, each line capped", () => {
    const tail = new Tail(50);
    for (let i = 0; i < 50; i++) tail.push(`${i} ${"y".repeat(10_000)}`);
    const lines = tail.get();
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_TAIL_BYTES);
    expect(lines.at(-1)).toMatch(/^49 y+…\[truncated \d+ bytes\]$/);
    expect(lines.every((l) => Buffer.byteLength(l) <= MAX_LINE_BYTES + 40)).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
  });

  it("still keeps the last 50 short lines", () => {
    const tail = new Tail(50);
    for (let i = 1; i <= 120; i++) tail.push(`line ${i}`);
    expect(tail.get()).toHaveLength(50);
    expect(tail.get()[0]).toBe("line 71");
  });
});
