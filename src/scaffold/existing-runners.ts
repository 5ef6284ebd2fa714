// What already runs migrate in an app, besides eb-migrate: container_commands/commands in
// .ebextensions, predeploy/confighooks scripts, scripts reading EB_IS_COMMAND_LEADER, Procfile
// and Dockerfile entries. init refuses to add a second runner beside them (unless told to keep
// them); doctor reports them from the deployed staging directory.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { ConfigError } from "../cli/errors.js";
import { EBEXTENSION_PATH } from "./ebextension.js";
import { CONTAINER_COMMAND_SCRIPT_PATH, HOOK_PATH } from "./hook-script.js";

export interface ExistingRunner {
  /** Relative to the app. */
  file: string;
  line: number;
  /** What it is, in one phrase. */
  what: string;
  /** How to retire it. */
  fix: string;
}

/** eb-migrate's own files: never findings. */
const OWN = new Set([EBEXTENSION_PATH, HOOK_PATH, CONTAINER_COMMAND_SCRIPT_PATH]);
const MIGRATE = /\bmigrate\b/;
const MANAGE_MIGRATE = /(manage\.py|django-admin)\b.*\bmigrate\b/;
/** Directories of scripts that deploy steps commonly call (the app root itself is searched too, not recursively). */
const SCRIPT_DIRS = [".platform", ".ebextensions", "bin", "scripts", "deploy"];
const MAX_FILE_BYTES = 1_000_000;

export async function findExistingRunners(dir: string): Promise<ExistingRunner[]> {
  const found: ExistingRunner[] = [];
  for (const path of await listFiles(dir)) {
    if (OWN.has(path) || path.startsWith(".platform/eb-migrate/")) continue;
    const text = await readText(join(dir, path));
    if (text === undefined) continue;
    const lines = text.split(/\r?\n/);
    const hook = /^\.platform\/(hooks|confighooks)\//.test(path);
    const ebextension = /^\.ebextensions\/[^/]+\.config$/.test(path);
    if (ebextension) found.push(...ebextensionRunners(path, text, lines));
    if (hook) found.push(...hookRunners(path, lines));
    if (path === "Procfile") found.push(...procfileRunners(path, lines));
    if (/^Dockerfile(\.|$)/.test(path)) found.push(...dockerfileRunners(path, lines));
    if (ebextension || hook || /\.(sh|bash|py)$/.test(path) || text.startsWith("#!")) found.push(...leaderFlagReaders(path, lines));
  }
  // One finding per line (a leader_only entry may also read EB_IS_COMMAND_LEADER).
  const byLine = new Map<string, ExistingRunner>();
  for (const r of found) if (!byLine.has(`${r.file}:${r.line}`)) byLine.set(`${r.file}:${r.line}`, r);
  return [...byLine.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** container_commands / commands entries whose command runs migrate (YAML by indentation, or JSON). */
function ebextensionRunners(file: string, text: string, lines: string[]): ExistingRunner[] {
  const entries = text.trimStart().startsWith("{") ? jsonEntries(text, lines) : yamlEntries(lines);
  return entries
    .filter((e) => MIGRATE.test(e.command) && !/\beb-migrate\b/.test(e.command))
    .map((e) => ({
      file,
      line: e.line,
      what: `${e.section} "${e.name}" runs migrate${e.leaderOnly ? " (leader_only: true)" : ""}`,
      fix: `remove the "${e.name}" entry from ${file}: eb-migrate runs migrate now${e.section === "commands" ? " (commands even run before the new code is in place)" : ""}`,
    }));
}

interface CommandEntry {
  section: "container_commands" | "commands";
  name: string;
  command: string;
  leaderOnly: boolean;
  line: number;
}

function yamlEntries(lines: string[]): CommandEntry[] {
  const out: CommandEntry[] = [];
  let section: CommandEntry["section"] | undefined;
  let entryIndent = -1;
  let current: CommandEntry | undefined;
  const flush = () => {
    if (current) out.push(current);
    current = undefined;
  };
  lines.forEach((raw, index) => {
    const line = uncommented(raw);
    if (line.trim() === "") return;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      flush();
      const key = /^["']?([\w-]+)["']?\s*:/.exec(line)?.[1];
      section = key === "container_commands" || key === "commands" ? key : undefined;
      entryIndent = -1;
      return;
    }
    if (!section) return;
    if (entryIndent < 0) entryIndent = indent;
    if (indent === entryIndent) {
      flush();
      const name = /^\s*["']?([^"':]+)["']?\s*:/.exec(line)?.[1] ?? line.trim();
      current = { section, name, command: "", leaderOnly: false, line: index + 1 };
      return;
    }
    if (!current) return;
    if (/^\s*leader_only\s*:\s*["']?true/i.test(line)) current.leaderOnly = true;
    if (MIGRATE.test(line) && !MIGRATE.test(current.command)) current.line = index + 1;
    current.command += `${line.trim()}\n`;
  });
  flush();
  return out;
}

function jsonEntries(text: string, lines: string[]): CommandEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const out: CommandEntry[] = [];
  for (const section of ["container_commands", "commands"] as const) {
    const entries = (doc as Record<string, unknown> | null)?.[section];
    if (!entries || typeof entries !== "object") continue;
    for (const [name, value] of Object.entries(entries as Record<string, { command?: unknown; leader_only?: unknown }>)) {
      const command = Array.isArray(value?.command) ? value.command.join(" ") : String(value?.command ?? "");
      const line = lines.findIndex((l) => l.includes(`"${name}"`)) + 1;
      out.push({ section, name, command, leaderOnly: value?.leader_only === true || value?.leader_only === "true", line: line || 1 });
    }
  }
  return out;
}

function hookRunners(file: string, lines: string[]): ExistingRunner[] {
  return lines.flatMap((line, index) =>
    MANAGE_MIGRATE.test(uncommented(line))
      ? [{ file, line: index + 1, what: `${file.split("/").slice(1, 3).join("/")} hook runs manage.py migrate on every instance`, fix: `delete the migrate line (or ${file}): eb-migrate's predeploy hook runs migrate on one instance` }]
      : [],
  );
}

function leaderFlagReaders(file: string, lines: string[]): ExistingRunner[] {
  return lines.flatMap((line, index) =>
    /\bEB_IS_COMMAND_LEADER\b/.test(uncommented(line))
      ? [{ file, line: index + 1, what: "reads EB_IS_COMMAND_LEADER (EB's one-time leader election)", fix: `remove the leader-only migrate from ${file}: EB sets EB_IS_COMMAND_LEADER only during container_commands, and eb-migrate elects its own leader` }]
      : [],
  );
}

function uncommented(line: string): string {
  return line.replace(/(^|\s)#.*$/, "");
}

function procfileRunners(file: string, lines: string[]): ExistingRunner[] {
  return lines.flatMap((line, index) => {
    const m = /^([\w-]+)\s*:(.*)$/.exec(line);
    if (!m || !MANAGE_MIGRATE.test(m[2]!)) return [];
    return [{ file, line: index + 1, what: `Procfile process "${m[1]}" runs migrate at every start, on every instance`, fix: `take migrate out of the "${m[1]}" line of ${file}` }];
  });
}

function dockerfileRunners(file: string, lines: string[]): ExistingRunner[] {
  return lines.flatMap((line, index) => {
    const m = /^\s*(RUN|CMD|ENTRYPOINT)\b(.*)$/i.exec(line);
    if (!m || !MANAGE_MIGRATE.test(m[2]!)) return [];
    const when = m[1]!.toUpperCase() === "RUN" ? "while the image builds" : "at every container start";
    return [{ file, line: index + 1, what: `${m[1]!.toUpperCase()} runs migrate ${when}`, fix: `take migrate out of ${file} line ${index + 1}` }];
  });
}

/** The app root's files plus everything under the script directories. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, depth: number): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(abs, entry.name);
      if (entry.isFile()) out.push(relative(dir, path));
      else if (entry.isDirectory() && depth < 6) await walk(path, depth + 1);
    }
  };
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) out.push(entry.name);
    else if (entry.isDirectory() && SCRIPT_DIRS.includes(entry.name)) await walk(join(dir, entry.name), 1);
  }
  return out.sort();
}

async function readText(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info || info.size > MAX_FILE_BYTES) return undefined;
  const content = await readFile(path);
  return content.includes(0) ? undefined : content.toString("utf8");
}

/** The findings as lines: file:line, what, and how to retire it. */
export function formatExistingRunners(found: ExistingRunner[]): string {
  return found.map((r) => `  ${r.file}:${r.line}  ${r.what}\n      → ${r.fix}`).join("\n");
}

/** init stops here: nothing is written while another runner would migrate beside eb-migrate. */
export function existingRunnersError(found: ExistingRunner[]): ConfigError {
  return new ConfigError(
    `found ${found.length === 1 ? "another place that runs" : `${found.length} other places that run`} migrate; with eb-migrate added, every deploy would migrate more than once:\n${formatExistingRunners(found)}\nRetire ${found.length === 1 ? "it" : "them"} as shown, then run init again (or pass --keep-existing to keep ${found.length === 1 ? "it" : "them"} beside eb-migrate). Nothing was written.`,
  );
}
