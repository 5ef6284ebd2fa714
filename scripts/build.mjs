// Builds the single-file instance bundle and the development entry with esbuild.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { relative } from "node:path";
import { schemaKeysPlugin } from "./schema-keys.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// ASCII only (checked below): one character beyond it makes V8 hold the whole file as a two-byte
// string, slower to read and scan on every start.
// The AWS SDK warns on Node 20 about future releases; users' deploy logs must not carry it.
// Set before any SDK module is evaluated, and only when the user has not chosen otherwise.
const banner = [
  "#!/usr/bin/env node",
  `// eb-migrate ${pkg.version} - the release phase for Elastic Beanstalk (single-file bundle, Node >= 20)`,
  // First statement, so the whole bundle stays in strict mode with these lines in front of it.
  '"use strict";',
  'if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";',
].join("\n");

// `--version` answers before any module of the bundle is evaluated (the CLI's own handling of
// `--version` stays for the development entry).
const versionFastPath = `if (require.main === module && ["--version", "-v", "version"].includes(process.argv[2] ?? "")) { process.stdout.write(${JSON.stringify(pkg.version + "\n")}); return; }`;

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // An `import()` left in a CommonJS bundle goes through Node's ESM loader, which starts up on
  // first use (~20 ms on Node 20): the SDK's HTTP handler imports node:http that way for every
  // http:// endpoint. As require() it is a plain built-in load.
  supported: { "dynamic-import": false },
  mainFields: ["module", "main"],
  legalComments: "none",
  define: { __EB_MIGRATE_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: banner },
  logLevel: "warning",
  plugins: [schemaKeysPlugin],
};

// (Asked only from Node 22: on Node 20 requiring node:module loads three more internal modules.)
// Node >= 22.1: the module compile cache, in a directory only root can write (cached code is
// run as is), one per bundle digest and Node version; other keys are pruned so old bundles do
// not pile up. Best effort: an unusable directory only costs the cache. Node 20 has no
// enableCompileCache and skips all of it.
const compileCache = (digest) => `if (require.main === module && Number(process.versions.node.split(".")[0]) >= 22) try {
  const enableCompileCache = require("node:module").enableCompileCache;
  if (typeof enableCompileCache === "function") {
    const fs = require("node:fs"), path = require("node:path");
    const base = path.join(process.env.EB_MIGRATE_ROOT || "/", "var/cache/eb-migrate"), key = "${digest}-node" + process.version, dir = path.join(base, key);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const safe = [base, dir].every((d) => { const s = fs.lstatSync(d); return s.isDirectory() && s.uid === process.getuid() && (s.mode & 0o022) === 0; });
    if (safe) {
      for (const other of fs.readdirSync(base)) if (other !== key) fs.rmSync(path.join(base, other), { recursive: true, force: true });
      enableCompileCache(dir);
    }
  }
} catch {}`;

// What runs on instances: only Node built-ins at run time, in two parts (laid out below, after
// the lines above, so `--version` runs none of either):
// 1. The early skip (src/early/): `run` for a deployment already released, answered without
//    the AWS SDK. Built with every shared module's exports kept whole: pass 1 finds its graph,
//    pass 2a learns each module's export names, pass 2b builds it.
// 2. The rest of the bundle, built with each of those modules taken from part 1 at run time
//    (the plugin below), so no module is in the file twice and the two parts share one
//    instance of each (one settings table, one handover state).
const EARLY_ENTRY = "src/early/entry.ts";
// Part 1's modules, in order, for part 2 (a global: part 2 is compiled as a module of its own).
const EARLY_GLOBAL = "__ebMigrateEarlyModules";
const graph = await build({ ...common, banner: undefined, entryPoints: [EARLY_ENTRY], outfile: "dist/early.cjs", write: false, metafile: true });
// Shared: our own modules, and the package files part 1 runs code of (the SigV4 signer, SHA-256,
// shell-quote) — never a package's index: exported whole, an index (@smithy/core/serde) is most
// of a package, far more than part 1 runs.
const used = Object.values(graph.metafile.outputs)[0].inputs;
const shared = Object.keys(graph.metafile.inputs).filter((f) => f !== EARLY_ENTRY && (f.startsWith("src/") || (used[f]?.bytesInOutput > 0 && !f.endsWith("/index.js"))));
const sharedIndex = new Map(shared.map((f, i) => [f, i]));
const isCommonJs = (i) => graph.metafile.inputs[shared[i]].format === "cjs";
const buildEarly = (contents) =>
  build({ ...common, banner: undefined, plugins: [], stdin: { contents: ['"use strict";', `export { earlySkip } from "./${EARLY_ENTRY}";`, ...contents].join("\n"), resolveDir: process.cwd(), sourcefile: "early-part.js", loader: "js" }, outfile: "dist/early.cjs", minify: true, write: false, metafile: true });
// Pass 2a: each shared module as its namespace, to learn its export names by running part 1's
// module definitions here (they only define: nothing runs before earlySkip is called).
const namespaces = await buildEarly([...shared.map((f, i) => `import * as m${i} from ${JSON.stringify(`./${f}`)};`), `export const modules = [${shared.map((_, i) => `m${i}`).join(", ")}];`]);
const loaded = new (createRequire(import.meta.url)("node:module"))("early-part");
loaded._compile(namespaces.outputFiles[0].text, "early-part.cjs");
const exportNames = shared.map((_, i) => (isCommonJs(i) ? [] : Object.keys(loaded.exports.modules[i])));
// Pass 2b, part 1 itself: each module's exports as a list of values (a CommonJS file: its
// module.exports), so no export name is spelt out in part 1 or part 2.
const early = await buildEarly([
  ...shared.map((f, i) => (isCommonJs(i) ? `import m${i} from ${JSON.stringify(`./${f}`)};` : `import { ${exportNames[i].map((n, k) => `${JSON.stringify(n)} as m${i}_${k}`).join(", ")} } from ${JSON.stringify(`./${f}`)};`)),
  `export const modules = [${shared.map((_, i) => (isCommonJs(i) ? `m${i}` : `[${exportNames[i].map((_, k) => `m${i}_${k}`).join(", ")}]`)).join(", ")}];`,
]);
const sdkInEarly = Object.entries(Object.values(early.metafile.outputs)[0].inputs).filter(([f, v]) => f.includes("node_modules/@aws-sdk/") && v.bytesInOutput > 0);
if (sdkInEarly.length > 0) throw new Error(`the early skip must not load the AWS SDK: ${sdkInEarly.map(([f]) => f).join(", ")}`);
// Part 2 takes each shared module from part 1: a CommonJS file as its module.exports; an ES
// module's exports as bindings of their own, so part 2 calls them directly under minified names
// (as if bundled with it), not as properties of a namespace.
const moduleInPart2 = (i) => {
  if (isCommonJs(i)) return `module.exports = ${EARLY_GLOBAL}[${i}];`;
  const names = exportNames[i];
  return [`const m = ${EARLY_GLOBAL}[${i}];`, ...names.map((_, k) => `const e${k} = m[${k}];`), `export { ${names.map((n, k) => `e${k} as ${JSON.stringify(n)}`).join(", ")} };`].join("\n");
};
const fromEarlyPart = {
  name: "from-early-part",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "from-early-part" || args.kind === "entry-point") return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "from-early-part" });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      const path = relative(process.cwd(), resolved.path);
      // The module's index as its path: esbuild keeps each module's path in the bundle.
      return sharedIndex.has(path) ? { path: String(sharedIndex.get(path)), namespace: "e" } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "e" }, (args) => ({ contents: moduleInPart2(Number(args.path)), loader: "js" }));
  },
};
const instance = await build({ ...common, banner: undefined, plugins: [fromEarlyPart, ...common.plugins], entryPoints: ["src/main.ts"], outfile: "dist/eb-migrate.cjs", minify: true, write: false });
const [earlyBody, body] = [early.outputFiles[0].text, instance.outputFiles[0].text];
for (const part of [earlyBody, body]) if (!part.startsWith('"use strict";')) throw new Error("each part of the instance bundle must start in strict mode");
// The early part is the file's own code (compiled with it: the file is read and compiled
// anyway). The rest is carried as line comments after the code ("//" before each of its lines,
// under a marker line), so compiling the file only skips over it (a string literal this size
// costs V8 ~5 ms to scan and build); when needed, the loader reads its file back and takes the
// "//" off. A minified part has no line terminator but \n (checked), so the round trip is exact.
const REST_MARKER = "//# eb-migrate: the rest of the bundle";
if (/[\r\u2028\u2029]/.test(body)) throw new Error("the bundle's rest has a line terminator other than \\n");
const restAsComments = `${REST_MARKER}\n//${body.replace(/\n/g, "\n//")}`;
// (A checkout that turned the file's line ends into CRLF still reads back the same code.)
const readRest = `(text) => text.slice(text.lastIndexOf(${JSON.stringify(REST_MARKER)}) + ${REST_MARKER.length}).trimEnd().replace(/^\\r?\\n\\/\\//, "").replace(/\\r?\\n\\/\\//g, "\\n")`;
const digest = createHash("sha256").update(earlyBody).update(body).digest("hex").slice(0, 16);
// When the bundle is the program, the early part answers first: an exit code, or it hands over
// to the rest (compiled as this module, under its name for the compile cache).
const loader = `const earlyPart = (() => {
const module = { exports: {} }, exports = module.exports;
${earlyBody}
return module.exports;
})();
globalThis.${EARLY_GLOBAL} = earlyPart.modules;
const rest = () => module._compile((${readRest})(require("node:fs").readFileSync(__filename, "utf8")), __filename);
if (require.main !== module) rest();
else earlyPart.earlySkip(process.argv.slice(2), process.env, process.stderr).then((code) => (code === undefined ? rest() : process.exit(code)), rest);`;
const bundleText = [banner, versionFastPath, compileCache(digest), loader, restAsComments, ""].join("\n");
if (new Function(`return ${readRest}`)()(bundleText) !== body) throw new Error("the bundle's rest does not survive being carried as comments");
// A fresh checkout has no dist/ (esbuild makes it only when it writes itself).
if (/[^\x00-\x7f]/.test(bundleText)) throw new Error("the instance bundle must be ASCII (esbuild escapes the code; a comment or banner may not)");
mkdirSync("dist", { recursive: true });
writeFileSync("dist/eb-migrate.cjs", bundleText);

// Development entry: sandbox and demo on top of every instance command. dynalite (and its
// storage engine) stays an external package so it never inflates the instance bundle.
const dev = { ...common, external: ["dynalite"], minify: false, sourcemap: "linked" };
await build({ ...dev, entryPoints: ["src/dev/main.ts"], outfile: "dist/eb-migrate-dev.cjs" });
for (const f of ["dist/eb-migrate.cjs", "dist/eb-migrate-dev.cjs"]) chmodSync(f, 0o755);

// Measurement tools, each its own entry (they drive the built bundle as child processes).
for (const name of ["bench", "chaos"]) {
  const entry = `src/${name}/main.ts`;
  if (existsSync(entry)) await build({ ...dev, entryPoints: [entry], outfile: `dist/${name}.cjs` });
}
// The start-up bench's yardstick: the skip path's floor (src/bench/floor-probe.ts), built like
// the instance bundle (minified, one file) so it starts as a shipped program would.
if (existsSync("src/bench/floor-probe.ts")) await build({ ...common, banner: undefined, plugins: [], entryPoints: ["src/bench/floor-probe.ts"], outfile: "dist/floor-probe.cjs", minify: true });
