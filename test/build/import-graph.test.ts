// The floors of src/, read from the import statements: what runs on an instance reaches none of
// the development tools, templates or commands; the ground floor reaches neither the commands nor
// the entry. Every import and `export … from` counts, type-only ones too (a type pulls its module's
// other imports along on the next edit).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** What runs on an instance (or under every command): the release, its election and their helpers. */
const INSTANCE_SIDE = ["src/early", "src/instance", "src/election", "src/release", "src/table", "src/runtime", "src/config", "src/aws", "src/ecs", "src/notify", "src/cli"];
/** The development tools, the files `init` writes, and the commands built on all of it. */
const NOT_FOR_INSTANCE_SIDE = ["src/sandbox", "src/demo", "src/chaos", "src/bench", "src/scaffold", "src/commands", "src/dev"];
/** Used by everything above it; knows no command. */
const GROUND_FLOOR = ["src/cli", "src/runtime", "src/config", "src/aws", "src/table"];
/** The commands and the instance bundle's entry. */
const ROOF = ["src/commands", "src/main.ts"];

interface Edge {
  /** Repository-relative, with forward slashes. */
  file: string;
  specifier: string;
  /** The file the specifier resolves to, repository-relative. */
  target: string;
}

// An import clause holds only names, `*`, `as`, `type`, braces and commas: the match cannot run
// on into the code after a statement that has no `from`.
const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?[\w$*{},\s]*?\bfrom\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Every module specifier a source text imports or re-exports from, in no particular order. */
function specifiers(text: string): string[] {
  return [STATIC, SIDE_EFFECT, DYNAMIC].flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

function posixPath(path: string): string {
  return relative(REPO, path).split(sep).join("/");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** `./x.js` as TypeScript's NodeNext resolution finds it: x.ts, x.d.ts, or the file as named. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.js$/, "");
  return [`${stem}.ts`, `${stem}.d.ts`, join(base, "index.ts"), base].find((p) => existsSync(p) && statSync(p).isFile());
}

function importGraph(): { edges: Edge[]; unresolved: string[] } {
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const path of sourceFiles(join(REPO, "src"))) {
    const file = posixPath(path);
    for (const specifier of specifiers(readFileSync(path, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(path, specifier);
      if (target === undefined) unresolved.push(`${file} imports "${specifier}", which is no file`);
      else edges.push({ file, specifier, target: posixPath(target) });
    }
  }
  return { edges, unresolved };
}

const within = (path: string, places: string[]) => places.some((place) => path === place || path.startsWith(`${place}/`));

function violations(edges: Edge[], from: string[], forbidden: string[]): string[] {
  return edges
    .filter((e) => within(e.file, from) && within(e.target, forbidden))
    .map((e) => `${e.file} imports "${e.specifier}" (${e.target})`);
}

describe("the import graph of src/", () => {
  const { edges, unresolved } = importGraph();

  it("reads import, import type, export from, side-effect and dynamic imports", () => {
    const text = [
      'import { a,\n  b } from "./multi-line.js";',
      'import type { T } from "../types.js";',
      'export * from "./re-export.js";',
      'export { type U, v as w } from "./named-re-export.js";',
      'import "./side-effect.js";',
      'const m = await import("./dynamic.js");',
      'import x, * as y from "node:fs";',
      '// import { not } from "./a-comment.js" is not at the start of a line',
      'export const s = "from \\"./no-import.js\\"";',
    ].join("\n");
    expect(specifiers(text).sort()).toEqual(["../types.js", "./dynamic.js", "./multi-line.js", "./named-re-export.js", "./re-export.js", "./side-effect.js", "node:fs"]);
  });

  it("resolves every relative import to a file, and sees the edges it must", () => {
    expect(unresolved).toEqual([]);
    const seen = edges.map((e) => `${e.file} -> ${e.target}`);
    expect(seen).toContain("src/main.ts -> src/commands/index.ts");
    // Type-only: `import type { CommandSpec }`.
    expect(seen).toContain("src/commands/index.ts -> src/cli/command.ts");
  });

  it("knows every folder its rules name", () => {
    const missing = [...INSTANCE_SIDE, ...NOT_FOR_INSTANCE_SIDE, ...GROUND_FLOOR, ...ROOF].filter((place) => {
      const path = join(REPO, place);
      return !existsSync(path) || (statSync(path).isDirectory() && sourceFiles(path).length === 0);
    });
    expect(missing).toEqual([]);
  });

  it("instance-side code imports nothing of the sandbox, demo, chaos, bench, scaffold, commands or dev entry", () => {
    const found = violations(edges, INSTANCE_SIDE, NOT_FOR_INSTANCE_SIDE);
    expect(found, `instance-side imports:\n${found.join("\n")}`).toEqual([]);
  });

  it("the ground floor imports neither a command nor the entry", () => {
    const found = violations(edges, GROUND_FLOOR, ROOF);
    expect(found, `ground-floor imports of the roof:\n${found.join("\n")}`).toEqual([]);
  });

  it("has one row per folder of src/ in the README's Project layout", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    // From its heading to the next one (or the end: it may be the last section).
    const layout = readme.slice(readme.indexOf("\n## Project layout\n")).split(/\n## (?!Project layout\n)/)[0]!;
    const rows = [...layout.matchAll(/^\| `(src\/[^`]+)\/` \|/gm)].map((m) => m[1]!).sort();
    const folders = readdirSync(join(REPO, "src"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `src/${d.name}`).sort();
    expect(rows, "the README's Project layout rows (received) against the folders of src/ (expected)").toEqual(folders);
  });
});
