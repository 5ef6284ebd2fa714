// Builds the single-file instance bundle and the development entry with esbuild.
import { build } from "esbuild";
import { readFileSync, chmodSync, existsSync } from "node:fs";
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

// `--version` answers before any module of the bundle is evaluated; what is left is Node
// parsing the file (the EC2 client's schemas are half of it). The CLI's own handling of
// `--version` stays for the development entry.
const versionFastPath = `if (require.main === module && ["--version", "-v", "version"].includes(process.argv[2] ?? "")) { process.stdout.write(${JSON.stringify(pkg.version + "\n")}); return; }`;

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  mainFields: ["module", "main"],
  legalComments: "none",
  define: { __EB_MIGRATE_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: banner },
  logLevel: "warning",
  plugins: [schemaKeysPlugin],
};

// What runs on instances: only Node built-ins at run time.
await build({ ...common, banner: { js: `${banner}\n${versionFastPath}` }, entryPoints: ["src/cli/main.ts"], outfile: "dist/eb-migrate.cjs", minify: true });

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
