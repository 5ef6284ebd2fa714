// Looking at real processes from tests: the pids a fixture command wrote down, and whether
// they still run (a zombie waiting for its reaper runs nothing and counts as gone).
import { readFile } from "node:fs/promises";

export async function pidsIn(file: string): Promise<number[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

export async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (stat === "") return false;
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return state !== "Z" && state !== "X";
}

export async function anyRunning(pids: number[]): Promise<boolean> {
  return (await Promise.all(pids.map(running))).some(Boolean);
}

/** The supervisor (`eb-migrate __supervise`) a runner process started: it leads the command's group. */
export async function supervisorOf(runnerPid: number): Promise<number | undefined> {
  const { readdir } = await import("node:fs/promises");
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== runnerPid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").includes("__supervise")) return Number(name);
  }
  return undefined;
}
