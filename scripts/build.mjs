// Builds the single-file instance bundle and the development entry with esbuild.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { schemaKeysPlugin } from "./schema-keys.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// The AWS SDK warns on Node 20 about future releases; users' deploy logs must not carry it.
// Set before any SDK module is evaluated, and only when the user has not chosen otherwise.
const banner = [
  "#!/usr/bin/env node",
  `// eb-migrate ${pkg.version} — the release phase for Elastic Beanstalk (single-file bundle, Node >= 20)`,
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

// Node >= 22.1: the module compile cache, in a directory only root can write (cached code is
// run as is), one per bundle digest and Node version; other keys are pruned so old bundles do
// not pile up. Best effort: an unusable directory only costs the cache. Node 20 has no
// enableCompileCache and skips all of it.
const compileCache = (digest) => `if (require.main === module) try {
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

// What runs on instances: only Node built-ins at run time. Node's compile cache works per
// compiled module, and a file is compiled before any line of it runs; so the bundle's code is
// one string, compiled (module._compile, the CommonJS loader's own path, where the cache applies)
// after the lines above. Scanning the string costs next to nothing: `--version` no longer pays
// for parsing the bundle either.
const instance = await build({ ...common, banner: undefined, entryPoints: ["src/main.ts"], outfile: "dist/eb-migrate.cjs", minify: true, write: false });
const body = instance.outputFiles[0].text;
if (!body.startsWith('"use strict";')) throw new Error("the instance bundle must start in strict mode");
const digest = createHash("sha256").update(body).digest("hex").slice(0, 16);
// A fresh checkout has no dist/ (esbuild makes it only when it writes itself).
mkdirSync("dist", { recursive: true });
writeFileSync("dist/eb-migrate.cjs", [banner, versionFastPath, compileCache(digest), `module._compile(${JSON.stringify(body)}, __filename);`, ""].join("\n"));

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
