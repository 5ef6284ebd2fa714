// The local release command: real child processes from tiny scripts, no mocked spawn.
import { chmod, mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../src/config/settings.js";
import { runLocalCommand, type LocalCommandInput } from "../../src/release/local-command.js";
import { createRedactor } from "../../src/release/redact.js";
import { resolveCommand } from "../../src/release/resolve-command.js";
import { systemClock } from "../../src/runtime/clock.js";

const node = process.execPath;

function input(argv: string[], over: Partial<LocalCommandInput> = {}): LocalCommandInput & { lines: string[] } {
  const lines: string[] = [];
  return {
    argv,
    shell: false,
    cwd: process.cwd(),
    env: { PATH: process.env.PATH },
    clock: systemClock,
    deadline: systemClock.now() + 30_000,
    signal: new AbortController().signal,
    hooks: { onLine: (l) => lines.push(l) },
    redact: (l) => l,
    lines,
    ...over,
  };
}

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
    const b = input(["echo one && echo two"], { shell: true });
    await runLocalCommand(b);
    expect(b.lines).toEqual(["one", "two"]);
  });

  it("forwards SIGTERM to the command and records it", async () => {
    const controller = new AbortController();
    const script = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143) }); console.log('ready'); setInterval(() => {}, 1000)";
    const i = input([node, "-e", script], { signal: controller.signal, hooks: { onLine: (l) => l === "ready" && controller.abort("SIGTERM") } });
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
    const fence = new AbortController();
    setTimeout(() => fence.abort("lost"), 200);
    const result = await runLocalCommand(input([node, "-e", "setInterval(() => {}, 1000)"], { fence: fence.signal }));
    expect(result.detail).toMatch(/lost the lease/);
    expect(result.exitCode).toBeNull();
  });

  it("says so when the program does not exist", async () => {
    const result = await runLocalCommand(input(["no-such-program-xyz", "migrate"]));
    expect(result.exitCode).toBeNull();
    expect(result.detail).toMatch(/could not start no-such-program-xyz.*ENOENT.*full path/);
  });

  it("redacts secret values before lines are logged or kept", async () => {
    const env = { PATH: process.env.PATH, DATABASE_PASSWORD: "hunter2-secret", DATABASE_URL: "postgres://app:pw-in-url@db/app" };
    const i = input([node, "-e", "console.log(process.env.DATABASE_PASSWORD); console.log(process.env.DATABASE_URL); console.log('plain')"], { env, redact: createRedactor(env) });
    const result = await runLocalCommand(i);
    expect(i.lines.join("\n")).not.toMatch(/hunter2-secret|pw-in-url/);
    expect(result.outputTail).toEqual(["***", "***", "plain"]);
  });
});

describe("resolveCommand", () => {
  it("uses EB's virtualenv python when `python` is not on PATH (default command only)", async () => {
    const root = await mkdtemp(join(tmpdir(), "root-"));
    const bin = join(root, "var/app/venv/staging-LQM1lest/bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "python"), "#!/bin/sh\n");
    await chmod(join(bin, "python"), 0o755);
    const emptyPath = { PATH: join(root, "nothing-here") };
    expect(await resolveCommand(resolveSettings({}), emptyPath, root)).toEqual([join(bin, "python"), "manage.py", "migrate", "--noinput"]);
    // A command the user chose is never rewritten.
    expect(await resolveCommand(resolveSettings({ EB_MIGRATE_COMMAND: "python manage.py migrate" }), emptyPath, root)).toEqual(["python", "manage.py", "migrate"]);
  });

  it("keeps `python` when it is on PATH", async () => {
    const dir = await mkdtemp(join(tmpdir(), "path-"));
    await writeFile(join(dir, "python"), "#!/bin/sh\n");
    await chmod(join(dir, "python"), 0o755);
    expect((await resolveCommand(resolveSettings({}), { PATH: dir }, "/nonexistent"))[0]).toBe("python");
  });
});
