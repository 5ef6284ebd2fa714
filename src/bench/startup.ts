// Start-up figures, each as a multiple of a bare `node -e 0` measured in the same run
// (interleaved round by round, so both see the same machine load): `--version`, and the skip
// path (a sandbox instance whose deployment is already released) both as `node bundle run` and
// as users pay it, through the predeploy hook script run with bash as EB runs it.
import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Harness } from "../chaos/harness.js";
import { VERSION } from "../cli/program.js";
import { DEFAULT_TABLE } from "../config/settings.js";
import { BUNDLE_PATH, HOOK_PATH, hookScript, PREFERRED_NODE_MAJOR } from "../scaffold/hook-script.js";
import { STAGING_DIR } from "../sandbox/instance-files.js";
import type { RunStats } from "../release/run-stats.js";
import { distribution, type Distribution } from "./stats.js";

/** Guarded by test/build/bundle.test.ts as well: the SDK schema-key rewrite keeps it there. */
export const BUNDLE_CEILING_BYTES = 700_000;
export const TARGETS = { version: 1.5, skipHook: 2.5, skipHookWarmNode22: 2.0 } as const;

export interface StartupFigures {
  nodeVersion: string;
  bundleBytes: number;
  node: Distribution;
  version: Distribution;
  skipDirect: Distribution;
  /** Through the hook, Node found as Amazon Linux 2023 installs it (node-22 on PATH). */
  skipHook: Distribution;
  /** Through the hook with only a plain `node` on PATH: the hook asks it `--version` first. */
  skipHookPlainNode: Distribution;
  /** The floor (dist/floor-probe.cjs through bash): IMDS token and instance id, one signed GetItem. */
  floor?: Distribution;
}

function timeSpawn(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { stdio: "ignore", env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ ms: performance.now() - start, code }));
  });
}

async function timed(samples: number[], what: string, file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<void> {
  const result = await timeSpawn(file, args, options);
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}`);
  samples.push(result.ms);
}

/** An app on the instance as EB stages it: the hook and the bundle, in the staging directory. */
async function stageApp(root: string, bundle: string): Promise<string> {
  const staging = join(root, STAGING_DIR);
  await mkdir(dirname(join(staging, HOOK_PATH)), { recursive: true });
  await mkdir(dirname(join(staging, BUNDLE_PATH)), { recursive: true });
  await writeFile(join(staging, HOOK_PATH), hookScript(VERSION), { mode: 0o755 });
  await copyFile(bundle, join(staging, BUNDLE_PATH));
  return staging;
}

/** dist/floor-probe.cjs beside the bundle, when built (npm run build makes it). */
export function floorProbe(bundle: string): string {
  return join(dirname(bundle), "floor-probe.cjs");
}

export async function startupFigures(bundle: string, bundleBytes: number, rounds: number): Promise<StartupFigures> {
  const h = await Harness.start({ bundle, instances: 1, sleepSeconds: 0 });
  try {
    const instance = h.instances()[0]!;
    const first = await h.spawn(instance).done;
    if (first.exitCode !== 0) throw new Error(`the first run exited ${first.exitCode}: ${first.text}`);
    const root = instance.env.EB_MIGRATE_ROOT!;
    const cwd = await stageApp(root, bundle);
    // What a hook has: the instance's environment, and Node where Amazon Linux 2023 puts it: the
    // namespaced binary node-<major> (and `node`, its alternatives link) in one directory on PATH
    // ("Node.js in AL2023": executables are named node-{MAJOR_VERSION}), so the hook finds it
    // by name. The plain variant has only `node`, as a manual install: the hook runs
    // `node --version` first, one more Node start.
    const major = process.versions.node.split(".")[0]!;
    const al2023Bin = join(h.dir, "al2023-bin");
    await mkdir(al2023Bin, { recursive: true });
    await symlink(process.execPath, join(al2023Bin, `node-${major}`));
    await symlink(process.execPath, join(al2023Bin, "node"));
    const base = { HOME: process.env.HOME ?? "/root", ...instance.env };
    const env = { PATH: `${al2023Bin}:/usr/bin:/bin`, ...base };
    const plainEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...base };
    const probe = floorProbe(bundle);
    const withFloor = await readFile(probe).then(() => true, () => false);
    const hook = join(cwd, HOOK_PATH);
    // Once unmeasured: proves the path is the skip, and warms the compile cache on Node >= 22.1.
    const stats = join(h.dir, "hook-stats.json");
    await timed([], "the hook", "bash", [hook, "--stats-file", stats], { env, cwd });
    const role = (JSON.parse(await readFile(stats, "utf8")) as RunStats).role;
    if (role !== "skipped") throw new Error(`expected the hook to skip, it ran as ${role}`);

    const node: number[] = [];
    const version: number[] = [];
    const skipDirect: number[] = [];
    const skipHook: number[] = [];
    const skipHookPlainNode: number[] = [];
    const floor: number[] = [];
    for (let n = 0; n < rounds; n++) {
      // Every figure in the same environment, the instance's: the bench's own may hold settings
      // that change Node's start-up (NODE_EXTRA_CA_CERTS reads a certificate file at start, which
      // on this machine cost `node -e 0` about 50 ms and made every ratio look better than it is).
      await timed(node, "node -e 0", process.execPath, ["-e", "0"], { env, cwd });
      await timed(version, "--version", process.execPath, [bundle, "--version"], { env, cwd });
      await timed(skipDirect, "node bundle run", process.execPath, [join(cwd, BUNDLE_PATH), "run"], { env, cwd });
      await timed(skipHook, "the hook", "bash", [hook], { env, cwd });
      await timed(skipHookPlainNode, "the hook (plain node)", "bash", [hook], { env: plainEnv, cwd });
      if (withFloor) await timed(floor, "the floor probe", "bash", ["-c", 'exec "$0" "$1" "$2"', `node-${major}`, probe, DEFAULT_TABLE], { env, cwd });
    }
    return {
      nodeVersion: process.version,
      bundleBytes,
      node: distribution(node),
      version: distribution(version),
      skipDirect: distribution(skipDirect),
      skipHook: distribution(skipHook),
      skipHookPlainNode: distribution(skipHookPlainNode),
      ...(withFloor ? { floor: distribution(floor) } : {}),
    };
  } finally {
    await h.stop();
  }
}

/** p50 of `d` as a multiple of `node -e 0`'s p50 in the same run. */
export const times = (d: Distribution, node: Distribution) => Math.round((d.p50 / node.p50) * 100) / 100;

const ms = (v: number) => `${Math.round(v)} ms`;
const ok = (pass: boolean) => (pass ? "met" : "**missed**");

export interface StartupSection {
  startup: StartupFigures;
  decision: Record<string, Distribution>;
  follower?: Distribution;
}

export function startupMarkdown({ startup, decision, follower }: StartupSection): string {
  const { node } = startup;
  const row = (what: string, d: Distribution, target: string) =>
    `| ${what} | **${times(d, node)}×** | p50 ${ms(d.p50)}, p95 ${ms(d.p95)} (n=${d.n}) | ${target} |`;
  const node22 = Number(startup.nodeVersion.slice(1).split(".")[0]) >= PREFERRED_NODE_MAJOR;
  const skipHook = times(startup.skipHook, node);
  const lines = [
    "### Start-up, as multiples of `node -e 0` (same run, interleaved)",
    "",
    "| figure | × `node -e 0` (p50) | wall time | target |",
    "|---|---|---|---|",
    `| \`node -e 0\` | 1× | p50 ${ms(node.p50)}, p95 ${ms(node.p95)} (n=${node.n}) | baseline |`,
    row("`eb-migrate --version`", startup.version, `≤ ${TARGETS.version}× — ${ok(times(startup.version, node) <= TARGETS.version)}`),
    row("skip path through the predeploy hook (`bash 50_eb_migrate.sh`, deployment already released, Node on PATH as Amazon Linux 2023 installs it)", startup.skipHook, `≤ ${TARGETS.skipHook}× — ${ok(skipHook <= TARGETS.skipHook)}`),
    row("skip path through the hook, only a plain `node` on PATH (the hook asks it `--version`)", startup.skipHookPlainNode, "–"),
    row("skip path, `node eb-migrate.cjs run` (no hook)", startup.skipDirect, "–"),
    ...(startup.floor ? [row("floor: `bash -c 'exec node-N floor-probe.cjs'` — IMDS token + instance id, one signed GetItem, nothing else", startup.floor, "yardstick")] : []),
    ...Object.entries(decision).map(([n, d]) => row(`decision, ${n} instance(s) started at once (spawn → role decided, every instance)`, d, "–")),
    ...(follower ? [row("follower release after the leader's success (p50; p95 below)", follower, "–"), `| follower release p95 | **${Math.round((follower.p95 / node.p50) * 100) / 100}×** | p95 ${ms(follower.p95)} | – |`] : []),
    `| bundle size (dist/eb-migrate.cjs) | – | ${startup.bundleBytes} bytes | ≤ ${BUNDLE_CEILING_BYTES} bytes — ${ok(startup.bundleBytes <= BUNDLE_CEILING_BYTES)} |`,
    "",
    node22
      ? `Node ${startup.nodeVersion} with the compile cache warm (one unmeasured run first): skip path through the hook ${skipHook}× (target on Node 22 with a warm cache ≤ ${TARGETS.skipHookWarmNode22}× — ${ok(skipHook <= TARGETS.skipHookWarmNode22)})${startup.floor ? `; the floor alone is ${times(startup.floor, node)}×` : ""}.`
      : `Node ${startup.nodeVersion} has no compile cache; the Node 22 warm-cache target (≤ ${TARGETS.skipHookWarmNode22}×) is not measured by this run.`,
    "",
  ];
  return lines.join("\n");
}
