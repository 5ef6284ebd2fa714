// The published package as a user gets it: `npm pack`, installed into an empty directory the
// way npx installs it (production dependencies only, no install scripts), then `eb-migrate init`
// run from it in a fresh Django project. Nothing native, well under 10 MB, the bin executable.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyDjangoApp } from "../support/django.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const MAX_INSTALLED_BYTES = 10 * 1024 * 1024;

function walk(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push({ path, size: statSync(path).size });
  }
  return out;
}

describe("the npm package", () => {
  let work: string;
  let tarball: string;
  let installed: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "eb-migrate-package-"));
    // --ignore-scripts: `npm test` built dist/ already; prepack would rebuild it under the other tests.
    const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: REPO, encoding: "utf8" })) as { filename: string }[];
    tarball = join(work, packed[0]!.filename);
    installed = join(work, "installed");
    execFileSync("mkdir", ["-p", installed]);
    writeFileSync(join(installed, "package.json"), '{"name":"user-tools","private":true}\n');
    // What npx does for `npx --package=<tarball>`: production dependencies only. The package has
    // none, so this works offline.
    execFileSync("npm", ["install", "--omit=dev", "--ignore-scripts", "--offline", "--no-audit", "--no-fund", tarball], { cwd: installed, encoding: "utf8", stdio: "pipe" });
    await copyDjangoApp(join(work, "app"));
  }, 120_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("builds on pack (prepack) and holds only what a user runs", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies?: Record<string, string> };
    expect(pkg.scripts.prepack).toBe("npm run build");
    const listing = execFileSync("tar", ["tvzf", tarball], { encoding: "utf8" }).trim().split("\n");
    const files = listing.map((l) => l.split(/\s+/).pop()!).sort();
    expect(files).toEqual([
      "package/README.md",
      "package/bin/eb-migrate.cjs",
      "package/dist/eb-migrate-dev.cjs",
      "package/dist/eb-migrate.cjs",
      "package/ebextensions/container-commands/eb-migrate.config",
      "package/ebextensions/eb-migrate.config",
      "package/package.json",
      "package/platform-hooks/predeploy/50_eb_migrate.sh",
    ]);
    // The bin is executable in the tarball itself (npx's cache does not chmod it).
    expect(listing.find((l) => l.endsWith("package/bin/eb-migrate.cjs"))).toMatch(/^-rwxr-xr-x /);
    // Everything the CLI needs is bundled into dist/: no runtime dependency (dynalite stays a dev one).
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("installs no native module and stays well under 10 MB", () => {
    const files = walk(join(installed, "node_modules"));
    expect(files.filter((f) => f.path.endsWith(".node"))).toEqual([]);
    expect(existsSync(join(installed, "node_modules", "dynalite"))).toBe(false);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    expect(bytes).toBeLessThan(MAX_INSTALLED_BYTES);
  });

  it("runs eb-migrate init from the installed bin in a fresh Django project", () => {
    const app = join(work, "app");
    const result = spawnSync(join(installed, "node_modules", ".bin", "eb-migrate"), ["init"], { cwd: app, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/created\s+\.platform\/hooks\/predeploy\/50_eb_migrate\.sh/);
    const bundle = readFileSync(join(app, ".platform/eb-migrate/eb-migrate.cjs"), "utf8");
    expect(bundle).toBe(readFileSync(join(installed, "node_modules", "eb-migrate", "dist", "eb-migrate.cjs"), "utf8"));
    expect(statSync(join(app, ".platform/hooks/predeploy/50_eb_migrate.sh")).mode & 0o111).not.toBe(0);
  });

  it("sandbox without dynalite says exactly what to add (exit 2)", () => {
    const result = spawnSync(join(installed, "node_modules", ".bin", "eb-migrate"), ["sandbox", "--state-file", join(work, "state.json")], { cwd: work, encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/needs the dynalite package.*npx --package=eb-migrate --package=dynalite@4\.0\.0 eb-migrate demo.*--dynamodb-endpoint/);
  });
});
