// Start-up figures: the bundle's size, `--version` against a bare `node -e 0` measured in the
// same run (interleaved, so both see the same machine load), and the skip path.
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { Harness } from "../chaos/harness.js";
import { distribution, type Distribution } from "./stats.js";

export const BUNDLE_TARGET_BYTES = 1.2 * 1024 * 1024;

export function bundleSize(bundle: string): { bytes: number; targetBytes: number } {
  return { bytes: statSync(bundle).size, targetBytes: BUNDLE_TARGET_BYTES };
}

function timeSpawn(args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: "ignore", env, ...(cwd ? { cwd } : {}) });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ ms: performance.now() - start, code }));
  });
}

export async function versionVersusNode(bundle: string, rounds: number): Promise<{ node: Distribution; version: Distribution; ratioP50: number }> {
  const node: number[] = [];
  const version: number[] = [];
  for (let n = 0; n < rounds; n++) {
    node.push((await timeSpawn(["-e", "0"])).ms);
    const v = await timeSpawn([bundle, "--version"]);
    if (v.code !== 0) throw new Error(`${bundle} --version exited ${v.code}`);
    version.push(v.ms);
  }
  const nd = distribution(node);
  const vd = distribution(version);
  return { node: nd, version: vd, ratioP50: Math.round((vd.p50 / nd.p50) * 100) / 100 };
}

/** `run` on an instance whose deployment already succeeded: one read, exit 0 (spawn to exit). */
export async function skipPath(bundle: string, rounds: number): Promise<Distribution> {
  const h = await Harness.start({ bundle, instances: 1, sleepSeconds: 0 });
  try {
    const instance = h.instances()[0]!;
    const first = await h.spawn(instance).done;
    if (first.exitCode !== 0) throw new Error(`the first run exited ${first.exitCode}: ${first.text}`);
    const times: number[] = [];
    for (let n = 0; n < rounds; n++) {
      const run = await h.spawn(instance).done;
      if (run.stats?.role !== "skipped") throw new Error(`expected a skipped run, got ${run.stats?.role}`);
      times.push(run.exitedAt - run.startedAt);
    }
    return distribution(times);
  } finally {
    await h.stop();
  }
}
