// The local release command: real child processes from tiny scripts, no mocked spawn.
import { chmod, mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { DEFAULT_COMMAND, releaseCommand, resolveSettings } from "../../src/config/settings.js";
import { runLocalCommand } from "../../src/release/local-command.js";
import { createRedactor } from "../../src/release/redact.js";
import { resolveCommand } from "../../src/release/resolve-command.js";
import { systemClock } from "../../src/runtime/clock.js";
import { manualFence } from "../support/fence.js";
import { localCommandInput } from "../support/local-command-input.js";

const node = process.execPath;

const input = localCommandInput;

describe("runLocalCommand", () => {
  it("streams output line by line and passes the exit code through", async () => {
    const i = input([node, "-e", "console.log('one'); console.error('two'); process.stdout.write('three'); process.exit(7)"]);
    const result = await runLocalCommand(i);
    expect(result.exitCode).toBe(7);
    expect(i.lines.sort()).toEqual(["one", "three", "two"]);
    expect(result.timedOut).toBe(false);
  });

  it("keeps only the last 50 lines", async () => {
    const result = await runLocalCommand(input([node, "-e", "for (let i = 1; i <= 120; i++) console.log('line ' + i)"]));
    expect(result.outputTail).toHaveLength(50);
    expect(result.outputTail[0]).toBe("line 71");
    expect(result.outputTail[49]).toBe("line 120");
  });

  it("runs in the given working directory, without a shell unless asked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cwd-"));
    const a = input([node, "-e", "console.log(process.cwd())", "&&", "echo", "x"], { cwd: dir });
    expect((await runLocalCommand(a)).exitCode).toBe(0);
    expect(a.lines).toEqual([dir]);
    const b = input(releaseCommand("echo one && echo two", true).argv, { shell: true });
    await runLocalCommand(b);
    expect(b.lines).toEqual(["one", "two"]);
  });

  it("forwards SIGTERM to the command and records it", async () => {
    const controller = new AbortController();
    const script = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143) }); console.log('ready'); setInterval(() => {}, 1000)";
    const i = input([node, "-e", script], { signal: controller.signal, onLine: (l) => void (l === "ready" && controller.abort("SIGTERM")) });
    const result = await runLocalCommand(i);
    expect(result.interrupted).toBe("SIGTERM");
    expect(result.outputTail).toContain("got SIGTERM");
    expect(result.exitCode).toBe(143);
  });

  it("stops the command at the deadline and says it timed out", async () => {
    const result = await runLocalCommand(input([node, "-e", "setInterval(() => {}, 1000)"], { deadline: systemClock.now() + 300 }));
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGTERM");
    expect(result.exitCode).toBeNull();
  });

  it("stops the command when the lease is lost (fence)", async () => {
    const fence = manualFence(Number.POSITIVE_INFINITY, 1000);
    setTimeout(() => fence.fire("lost"), 200);
    const result = await runLocalCommand(input([node, "-e", "setInterval(() => {}, 1000)"], { fence }));
    expect(result.detail).toMatch(/lost the lease/);
    expect(result.exitCode).toBeNull();
  });

  it("says so when the program is not on PATH, and which PATH", async () => {
    const result = await runLocalCommand(input(["no-such-program-xyz", "migrate"], { env: { PATH: "/nowhere:/usr/bin" } }));
    expect(result.exitCode).toBeNull();
    expect(result.detail).toBe("could not start no-such-program-xyz: it is not on PATH (PATH=/nowhere:/usr/bin); give its full path in EB_MIGRATE_COMMAND or add its directory to PATH");
    const relative = await runLocalCommand(input(["./manage.py", "migrate"], { cwd: await mkdtemp(join(tmpdir(), "cwd-")) }));
    expect(relative.detail).toBe("could not start ./manage.py: no executable file at that path");
    const huge = await runLocalCommand(input(["no-such-program-xyz"], { env: { PATH: `/${"p".repeat(100_000)}` } }));
    expect(huge.detail!.length).toBeLessThan(800);
  });

  it("redacts secret values before lines are logged or kept", async () => {
    const env = { PATH: process.env.PATH, DATABASE_PASSWORD: "hunter2-secret", DATABASE_URL: "postgres://app:pw-in-url@db/app" };
    const i = input([node, "-e", "console.log(process.env.DATABASE_PASSWORD); console.log(process.env.DATABASE_URL); console.log('plain')"], { env, redact: createRedactor(env) });
    const result = await runLocalCommand(i);
    expect(i.lines.join("\n")).not.toMatch(/hunter2-secret|pw-in-url/);
    expect(result.outputTail).toEqual(["***", "***", "plain"]);
  });
});

describe("resolveCommand: the default command's python", () => {
  const argvTail = ["manage.py", "migrate", "--noinput"];
  /** A fixture interpreter that only answers --version, as Python 3 (stdout) or Python 2 (stderr). */
  async function fakePython(dir: string, name: string, version: "3.11.6" | "2.7.18"): Promise<string> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const stream = version.startsWith("2") ? " >&2" : "";
    await writeFile(path, `#!/bin/sh\n[ "$1" = --version ] && echo "Python ${version}"${stream}\n`);
    await chmod(path, 0o755);
    return path;
  }
  async function machine() {
    const root = await mkdtemp(join(tmpdir(), "root-"));
    return { root, venvBin: join(root, "var/app/venv/staging-LQM1lest/bin"), pathDir: join(root, "usr/bin") };
  }

  it("takes EB's virtualenv python over python3 and python on PATH", async () => {
    const m = await machine();
    const venv = await fakePython(m.venvBin, "python", "3.11.6");
    await fakePython(m.pathDir, "python3", "3.11.6");
    await fakePython(m.pathDir, "python", "3.11.6");
    expect(await resolveCommand(resolveSettings({}), { PATH: m.pathDir }, m.root)).toEqual([venv, ...argvTail]);
  });

  it("without a virtualenv: python3 before python, and never a Python 2", async () => {
    const m = await machine();
    await fakePython(m.pathDir, "python", "2.7.18");
    const python3 = await fakePython(m.pathDir, "python3", "3.11.6");
    expect(await resolveCommand(resolveSettings({}), { PATH: m.pathDir }, m.root)).toEqual([python3, ...argvTail]);
  });

  it("a virtualenv python that is Python 2 is passed over", async () => {
    const m = await machine();
    await fakePython(m.venvBin, "python", "2.7.18");
    const python3 = await fakePython(m.pathDir, "python3", "3.11.6");
    expect((await resolveCommand(resolveSettings({}), { PATH: m.pathDir }, m.root))[0]).toBe(python3);
  });

  it("only a Python 2: exit 2 naming what was found and the fix", async () => {
    const m = await machine();
    const python = await fakePython(m.pathDir, "python", "2.7.18");
    const error = await resolveCommand(resolveSettings({}), { PATH: m.pathDir }, m.root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`no Python 3 for the release command (${python}: Python 2.7.18); use a Python platform, or set EB_MIGRATE_COMMAND with the interpreter's full path`);
  });

  it("a command the user chose, shell mode and ecs mode are never rewritten", async () => {
    const m = await machine();
    await fakePython(m.venvBin, "python", "3.11.6");
    const env = { PATH: join(m.root, "nothing-here") };
    expect(await resolveCommand(resolveSettings({ EB_MIGRATE_COMMAND: "python manage.py migrate" }), env, m.root)).toEqual(["python", "manage.py", "migrate"]);
    expect(await resolveCommand(resolveSettings({ EB_MIGRATE_MODE: "ecs" }), env, m.root)).toEqual(["python", ...argvTail]);
    expect(await resolveCommand(resolveSettings({ EB_MIGRATE_SHELL: "true" }), env, m.root)).toEqual(["/bin/sh", "-c", DEFAULT_COMMAND]);
  });
});
