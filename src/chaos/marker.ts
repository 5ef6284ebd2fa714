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

/** How the release command behaves besides sleeping: the faults a command brings itself. */
export interface MarkerShape {
  sleepSeconds: number;
  exitCode?: number;
  /** Ignore SIGTERM (the command and its children): only SIGKILL of its group stops it. */
  ignoreTerm?: boolean;
  /** Fork a background worker that never ends by itself, marked as `<instance>/worker-of-<pid>`. */
  worker?: boolean;
  /** Print this many lines of `outputLineBytes` characters before sleeping. */
  outputLines?: number;
  outputLineBytes?: number;
}

/**
 * CHAOS_INSTANCE / CHAOS_DEPLOYMENT name the run (arguments 1 and 2 win, for ECS tasks whose
 * environment is the task's); CHAOS_SLEEP and CHAOS_EXIT shape it. A SIGTERM to its process
 * group (the supervisor stopping it) is written as an end with code 143. A process that can
 * die without writing its end (SIGKILL: the SIGTERM-ignoring command, the worker) gets a
 * watcher outside its group that writes the end, code 137, once it sees the process gone —
 * never earlier than the death, so an overlap can only be over-reported.
 */
export async function writeMarkerCommand(dir: string, shape: MarkerShape): Promise<MarkerCommand> {
  const file = join(dir, "marker.log");
  const script = join(dir, "release.sh");
  const watcher = join(dir, "watch-end.sh");
  const now = "$(env -u LD_PRELOAD -u FAKETIME date +%s%3N)";
  const watch = (pid: string, inst: string) => `setsid sh ${JSON.stringify(watcher)} ${pid} "${inst}" "$dep" "$marker" </dev/null >/dev/null 2>&1 &`;
  const lines = shape.outputLines ?? 0;
  const text = [
    "#!/bin/sh",
    `inst="\${1:-\${CHAOS_INSTANCE:-unknown}}"`,
    `dep="\${2:-\${CHAOS_DEPLOYMENT:-unknown}}"`,
    `marker=${JSON.stringify(file)}`,
    shape.ignoreTerm
      ? "trap '' TERM INT"
      : // A second SIGTERM (the supervisor may send one per closed stdin event) must not cut the line.
        `trap 'trap "" TERM INT; echo "end $inst $dep $$ ${now} 143" >> "$marker"; exit 143' TERM INT`,
    // Its reader may be dead (leader killed): no SIGPIPE, and no "Terminated" notice on stderr.
    "trap '' PIPE",
    "exec 2>/dev/null",
    `echo "start $inst $dep $$ ${now}" >> "$marker"`,
    ...(shape.ignoreTerm ? [watch("$$", "$inst")] : []),
    ...(shape.worker
      ? [
          // The worker marks itself under its own pid; it runs until its group is killed.
          `sh -c 'trap "" TERM INT; echo "start $1 $2 $$ $(env -u LD_PRELOAD -u FAKETIME date +%s%3N)" >> "$3"; exec sleep 1000' worker "$inst/worker-of-$$" "$dep" "$marker" &`,
          "worker=$!",
          `while ! grep -q "^start $inst/worker-of-$$ $dep $worker " "$marker"; do sleep 0.02; done`,
          watch("$worker", "$inst/worker-of-$$"),
        ]
      : []),
    ...(lines > 0 ? [`n=0; while [ $n -lt ${lines} ]; do head -c ${shape.outputLineBytes ?? 100} /dev/zero | tr '\\0' x; echo; n=$((n + 1)); done`] : []),
    `echo "applying the release on $inst"`,
    `sleep "\${CHAOS_SLEEP:-${shape.sleepSeconds}}" &`,
    "wait $!",
    `code="\${CHAOS_EXIT:-${shape.exitCode ?? 0}}"`,
    `echo "end $inst $dep $$ ${now} $code" >> "$marker"`,
    `exit "$code"`,
    "",
  ].join("\n");
  const watchText = [
    "#!/bin/sh",
    "# Writes the end line of a marked process that died without one (SIGKILL), once it is gone.",
    'pid=$1; inst=$2; dep=$3; marker=$4',
    "while :; do",
    "  state=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)",
    '  if [ -z "$state" ] || [ "$state" = Z ]; then break; fi',
    "  sleep 0.02",
    "done",
    `grep -q "^end $inst $dep $pid " "$marker" || echo "end $inst $dep $pid ${now} 137" >> "$marker"`,
    "",
  ].join("\n");
  await writeFile(script, text);
  await chmod(script, 0o755);
  await writeFile(watcher, watchText);
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
