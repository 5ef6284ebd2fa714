// The cheap release command of chaos and bench runs: a shell script that appends a start line
// and an end line (with its exit code) to a shared marker file, so exactly-once and "never two
// at once" can be checked from the file. Times are real wall-clock ms even under faketime.
import { readFile, writeFile, appendFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import type { MarkerEvent } from "./invariants.js";

export interface MarkerCommand {
  /** The script; EB_MIGRATE_COMMAND is `sh <script>`. */
  script: string;
  file: string;
}

/**
 * CHAOS_INSTANCE / CHAOS_DEPLOYMENT name the run (arguments 1 and 2 win, for ECS tasks whose
 * environment is the task's); CHAOS_SLEEP and CHAOS_EXIT shape it. A SIGTERM to its process
 * group (the supervisor stopping it) is written as an end with code 143.
 */
export async function writeMarkerCommand(dir: string, defaults: { sleepSeconds: number; exitCode?: number }): Promise<MarkerCommand> {
  const file = join(dir, "marker.log");
  const script = join(dir, "release.sh");
  const now = "$(env -u LD_PRELOAD -u FAKETIME date +%s%3N)";
  const text = [
    "#!/bin/sh",
    `inst="\${1:-\${CHAOS_INSTANCE:-unknown}}"`,
    `dep="\${2:-\${CHAOS_DEPLOYMENT:-unknown}}"`,
    `marker=${JSON.stringify(file)}`,
    // A second SIGTERM (the supervisor may send one per closed stdin event) must not cut the line.
    `trap 'trap "" TERM INT; echo "end $inst $dep $$ ${now} 143" >> "$marker"; exit 143' TERM INT`,
    // Its reader may be dead (leader killed): no SIGPIPE, and no "Terminated" notice on stderr.
    "trap '' PIPE",
    "exec 2>/dev/null",
    `echo "start $inst $dep $$ ${now}" >> "$marker"`,
    `echo "applying the release on $inst"`,
    `sleep "\${CHAOS_SLEEP:-${defaults.sleepSeconds}}" &`,
    "wait $!",
    `code="\${CHAOS_EXIT:-${defaults.exitCode ?? 0}}"`,
    `echo "end $inst $dep $$ ${now} $code" >> "$marker"`,
    `exit "$code"`,
    "",
  ].join("\n");
  await writeFile(script, text);
  await chmod(script, 0o755);
  await writeFile(file, "");
  return { script, file };
}

/** Written by the chaos itself when it SIGKILLs a command (no trap runs then). */
export async function appendKilled(file: string, event: { instance: string; deployment: string; pid: number }): Promise<void> {
  await appendFile(file, `end ${event.instance} ${event.deployment} ${event.pid} ${Date.now()} 137\n`);
}

export async function readMarkers(file: string): Promise<MarkerEvent[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return parseMarkers(text);
}

export function parseMarkers(text: string): MarkerEvent[] {
  const events: MarkerEvent[] = [];
  for (const line of text.split("\n")) {
    const [kind, instance, deployment, pid, at, code] = line.trim().split(/\s+/);
    if ((kind !== "start" && kind !== "end") || !instance || !deployment || !pid || !at) continue;
    events.push({ kind, instance, deployment, pid: Number(pid), at: Number(at), ...(kind === "end" && code !== undefined ? { exitCode: Number(code) } : {}) });
  }
  return events;
}
