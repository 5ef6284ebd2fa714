// `eb-migrate init` as a function of a directory: plans the files, compares them with what is
// on disk and what init wrote last time (the manifest), and writes only what is safe to write.
import type { NotifyTarget } from "../notify/targets.js";
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConfigError } from "../cli/errors.js";
import { ENV_PREFIX } from "../config/settings.js";
import { createTableCommand, enableTtlCommand } from "../table/table.js";
import type { InstanceBundle } from "./bundle.js";
import { EBEXTENSION_PATH, ebextensionConfig, type EcsInit } from "./ebextension.js";
import { existingRunnersError, findExistingRunners, formatExistingRunners, type ExistingRunner } from "./existing-runners.js";
import { fileDiff } from "./init-diff.js";
import { LOG_FILE } from "../release/run-log.js";
import { BUNDLE_PATH, CONTAINER_COMMAND_SCRIPT_PATH, HOOK_PATH, hookScript } from "./hook-script.js";

export const MANIFEST_PATH = ".platform/eb-migrate/manifest.json";

export interface InitOptions {
  /** The Django project (must contain manage.py). */
  dir: string;
  dryRun: boolean;
  force: boolean;
  containerCommands: boolean;
  resources: boolean;
  /** The instance profile's role, when not named like the instance profile. */
  role?: string;
  bundle: InstanceBundle;
  /** Write eb-migrate's files even though something else in the app runs migrate (existing-runners.ts). */
  keepExisting?: boolean;
  /** EB_MIGRATE_NOTIFY's targets, for the policy's sns:Publish. */
  notify?: readonly NotifyTarget[];
  /** init --mode ecs: the ECS settings for option_settings and the ecs-mode policy. */
  ecs?: EcsInit;
}

export interface PlannedFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

export type FileAction = "create" | "update" | "unchanged" | "kept" | "overwrite";

export interface FileOutcome {
  path: string;
  action: FileAction;
  /** Why: "changed by you", "made executable", "from an earlier eb-migrate version"... */
  note?: string;
}

export interface InitResult {
  dir: string;
  dryRun: boolean;
  outcomes: FileOutcome[];
  /** Files an earlier init wrote that this run's options do not use (left in place). */
  leftovers: string[];
  options: Pick<InitOptions, "containerCommands" | "resources"> & { ecs?: boolean };
  version: string;
  /** What else runs migrate in the app (kept only with --keep-existing; a dry run lists them too). */
  existingRunners: ExistingRunner[];
  /** --dry-run: the diff of each existing file init would change. */
  diffs: { path: string; diff: string }[];
}

interface Manifest {
  generator: "eb-migrate init";
  version: string;
  /** Relative path → sha256 of the content init wrote. */
  files: Record<string, string>;
}

/** The files init wants in the app for these options. */
export function planFiles(options: Pick<InitOptions, "containerCommands" | "resources" | "bundle" | "role" | "notify" | "ecs">): PlannedFile[] {
  const version = options.bundle.version;
  const script = Buffer.from(hookScript(version));
  return [
    { path: BUNDLE_PATH, content: options.bundle.content, executable: false },
    options.containerCommands
      ? { path: CONTAINER_COMMAND_SCRIPT_PATH, content: script, executable: true }
      : { path: HOOK_PATH, content: script, executable: true },
    {
      path: EBEXTENSION_PATH,
      content: Buffer.from(ebextensionConfig({ version, containerCommands: options.containerCommands, resources: options.resources, ...(options.role ? { role: options.role } : {}), ...(options.notify ? { notify: options.notify } : {}), ...(options.ecs ? { ecs: options.ecs } : {}) })),
      executable: false,
    },
  ];
}

export async function runInit(options: InitOptions): Promise<InitResult> {
  await assertDjangoProject(options.dir);
  const existingRunners = await findExistingRunners(options.dir);
  if (existingRunners.length > 0 && !options.keepExisting && !options.dryRun) throw existingRunnersError(existingRunners);
  const manifest = await readManifest(options.dir);
  const recorded: Record<string, string> = { ...manifest?.files };
  const outcomes: FileOutcome[] = [];
  const writes: PlannedFile[] = [];
  const chmods: string[] = [];
  const diffs: { path: string; diff: string }[] = [];

  const files = planFiles(options);
  for (const file of files) {
    const wanted = sha256(file.content);
    const existing = await readIfExists(join(options.dir, file.path));
    if (!existing) {
      outcomes.push({ path: file.path, action: "create" });
      writes.push(file);
      recorded[file.path] = wanted;
      continue;
    }
    const current = sha256(existing.content);
    if (options.dryRun && current !== wanted) diffs.push({ path: file.path, diff: fileDiff(file.path, existing.content, file.content) });
    if (current === wanted) {
      const needsExec = file.executable && (existing.mode & 0o111) === 0;
      outcomes.push(needsExec ? { path: file.path, action: "update", note: "made executable" } : { path: file.path, action: "unchanged" });
      if (needsExec) chmods.push(file.path);
      recorded[file.path] = wanted;
    } else if (recorded[file.path] === current) {
      // Exactly what an earlier init wrote: safe to bring up to date.
      outcomes.push({ path: file.path, action: "update", note: manifest && manifest.version !== options.bundle.version ? `from eb-migrate ${manifest.version}` : "options changed" });
      writes.push(file);
      recorded[file.path] = wanted;
    } else if (options.force) {
      outcomes.push({ path: file.path, action: "overwrite", note: recorded[file.path] ? "changed by you" : "not written by eb-migrate" });
      writes.push(file);
      recorded[file.path] = wanted;
    } else {
      outcomes.push({ path: file.path, action: "kept", note: recorded[file.path] ? "changed by you" : "not written by eb-migrate" });
    }
  }

  const planned = new Set(files.map((f) => f.path));
  const leftovers: string[] = [];
  for (const path of Object.keys(manifest?.files ?? {})) {
    if (!planned.has(path) && (await readIfExists(join(options.dir, path)))) leftovers.push(path);
  }

  if (!options.dryRun) {
    for (const file of writes) await writeAtomically(join(options.dir, file.path), file.content, file.executable ? 0o755 : 0o644);
    for (const path of chmods) await chmod(join(options.dir, path), 0o755);
    const next: Manifest = { generator: "eb-migrate init", version: options.bundle.version, files: sortKeys(recorded) };
    const text = `${JSON.stringify(next, null, 2)}\n`;
    const old = await readIfExists(join(options.dir, MANIFEST_PATH));
    if (old?.content.toString("utf8") !== text) await writeAtomically(join(options.dir, MANIFEST_PATH), Buffer.from(text), 0o644);
  }
  return {
    dir: options.dir,
    dryRun: options.dryRun,
    outcomes,
    leftovers,
    options: { containerCommands: options.containerCommands, resources: options.resources, ...(options.ecs ? { ecs: true } : {}) },
    version: options.bundle.version,
    existingRunners,
    diffs,
  };
}

async function assertDjangoProject(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError(`${dir} is not a directory; pass the Django project with --dir`);
  const manage = await stat(join(dir, "manage.py")).catch(() => undefined);
  if (!manage?.isFile()) {
    throw new ConfigError(`${dir} is not a Django project (no manage.py); run init in the directory you deploy with "eb deploy", or pass it with --dir`);
  }
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const file = await readIfExists(join(dir, MANIFEST_PATH));
  if (!file) return undefined;
  try {
    const parsed = JSON.parse(file.content.toString("utf8")) as Partial<Manifest>;
    if (parsed.generator === "eb-migrate init" && parsed.files && typeof parsed.files === "object") return parsed as Manifest;
  } catch {
    // A damaged manifest only means init treats every existing file as the user's.
  }
  return undefined;
}

async function readIfExists(path: string): Promise<{ content: Buffer; mode: number } | undefined> {
  try {
    const [content, info] = await Promise.all([readFile(path), stat(path)]);
    return { content, mode: info.mode };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Never leaves a half-written file: a deploy must not pick up a truncated bundle or hook. */
async function writeAtomically(path: string, content: Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.eb-migrate-${process.pid}.tmp`;
  await writeFile(temp, content, { mode });
  await chmod(temp, mode);
  await rename(temp, path);
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

const VERBS: Record<FileAction, [done: string, planned: string]> = {
  create: ["created", "would create"],
  update: ["updated", "would update"],
  unchanged: ["unchanged", "unchanged"],
  kept: ["kept", "would keep"],
  overwrite: ["overwrote", "would overwrite"],
};

/** What init did (or would do) and what the user does next, as lines for the terminal. */
export function formatInitReport(result: InitResult): string {
  const verbs = result.outcomes.map((o) => VERBS[o.action][result.dryRun ? 1 : 0]);
  const width = Math.max(...verbs.map((v) => v.length));
  const lines = result.outcomes.map((o, i) => `  ${verbs[i]!.padEnd(width)}  ${o.path}${o.note ? `  (${o.note})` : ""}`);
  const out = [`eb-migrate ${result.version} init${result.dryRun ? " --dry-run (nothing written)" : ""} in ${result.dir}`, ...lines];
  if (result.outcomes.some((o) => o.action === "kept")) {
    out.push("", "Kept files differ from what this version writes; compare them, or run again with --force to replace them.");
  }
  for (const { diff } of result.diffs) out.push("", diff.trimEnd());
  if (result.existingRunners.length > 0) {
    out.push("", `Also running migrate in this app${result.dryRun ? " (init stops here unless --keep-existing)" : " (kept: --keep-existing)"}:`, formatExistingRunners(result.existingRunners));
  }
  for (const path of result.leftovers) {
    out.push(
      "",
      path === HOOK_PATH
        ? `${path} from an earlier init is still a predeploy hook; with container_commands too, the second run in a deployment is a no-op. Delete it for container_commands only.`
        : `${path} from an earlier init is no longer used with these options; delete it if you do not need it.`,
    );
  }
  if (result.dryRun) return `${out.join("\n")}\n`;
  const steps = [
    `git add .platform .ebextensions/eb-migrate.config && git commit   (eb deploy ships what git has; keep LF line endings and the hook's executable bit)`,
  ];
  if (!result.options.resources) {
    steps.push(
      `create the DynamoDB table once (any name; one table can serve several environments):\n       ${createTableCommand("eb-migrate")}\n       ${enableTtlCommand("eb-migrate")}`,
      `attach "eb-migrate policy --table eb-migrate${result.options.ecs ? " --mode ecs" : ""}" to the instance role (one policy for every environment on that role), then: eb setenv ${ENV_PREFIX}TABLE=eb-migrate`,
    );
  }
  steps.push("eb deploy   (one instance runs the migrations, the others wait; a failure fails the deployment)");
  steps.push(`eb logs     (eb-migrate's lines are in ${LOG_FILE}); eb-migrate status shows past releases`);
  out.push("", "Next steps:", ...steps.map((s, i) => `  ${i + 1}. ${s}`));
  return `${out.join("\n")}\n`;
}
