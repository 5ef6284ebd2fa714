// The environment properties as the platform stores them for hooks
// (/opt/elasticbeanstalk/deployment/env, KEY=value lines): what `run --now` outside a hook
// (through SSM Run Command) runs with, since only hooks get them in their environment.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../cli/errors.js";
import { DEPLOYMENT_DIR } from "./eb-files.js";

export async function readDeploymentEnv(root: string): Promise<Record<string, string>> {
  const path = join(root, DEPLOYMENT_DIR, "env");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read the environment properties from ${path} (${(error as Error).message}); "run --now" runs on an Elastic Beanstalk instance`, { cause: error });
  }
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
