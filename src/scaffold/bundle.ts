// Finds the single-file instance bundle that init copies into the app, and reads its version.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConfigError } from "../cli/errors.js";

export interface InstanceBundle {
  path: string;
  version: string;
  content: Buffer;
}

const HEADER = /^\/\/ eb-migrate (\S+) /;

/**
 * Where the bundle may be, relative to the running file: the instance bundle itself, or
 * dist/eb-migrate.cjs next to the development entry (dist/eb-migrate-dev.cjs).
 */
export function bundleCandidates(runningFile: string | undefined = typeof __filename === "string" ? __filename : undefined): string[] {
  if (!runningFile) return [];
  const dir = dirname(runningFile);
  const candidates = [join(dir, "eb-migrate.cjs"), join(dir, "..", "dist", "eb-migrate.cjs")];
  if (runningFile.endsWith(".cjs") && !runningFile.endsWith("-dev.cjs")) candidates.unshift(runningFile);
  return [...new Set(candidates)];
}

/** Reads the first candidate that is an eb-migrate bundle (its 2nd line names the version). */
export async function findBundle(candidates: string[]): Promise<InstanceBundle> {
  for (const path of candidates) {
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch {
      continue;
    }
    const version = bundleVersion(content);
    if (version) return { path, version, content };
  }
  throw new ConfigError(
    `the instance bundle eb-migrate.cjs was not found (looked at ${candidates.join(", ") || "nothing"}); in a checkout of eb-migrate run "npm run build" first`,
  );
}

/** The version in the bundle's header line, or undefined when it is not an eb-migrate bundle. */
export function bundleVersion(content: Buffer | string): string | undefined {
  const text = typeof content === "string" ? content.slice(0, 400) : content.subarray(0, 400).toString("utf8");
  const second = text.split("\n")[1] ?? "";
  return HEADER.exec(second)?.[1];
}
