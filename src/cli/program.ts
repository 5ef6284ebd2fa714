// Parses argv, dispatches to a command, and turns every outcome into an exit code and at most
// one clear line for the user (no stack trace for a user error).
import { parseArgs } from "node:util";
import { closest } from "./did-you-mean.js";
import { credentialsError, describeError, EbMigrateError, ExitCode } from "./errors.js";
import type { CommandContext, CommandSpec, ParsedArgs } from "./command.js";

declare const __EB_MIGRATE_VERSION__: string;
export const VERSION: string = typeof __EB_MIGRATE_VERSION__ === "string" ? __EB_MIGRATE_VERSION__ : "0.0.0-dev";

export async function runProgram(argv: string[], ctx: CommandContext, commands: CommandSpec[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    ctx.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    ctx.stdout.write(helpText(commands));
    return name === undefined ? ExitCode.badConfiguration : ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const hint = closest(name, commands.filter((c) => !c.name.startsWith("__")).map((c) => c.name));
    ctx.stderr.write(`eb-migrate: unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}; run "eb-migrate --help" for the list\n`);
    return ExitCode.badConfiguration;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    ctx.stdout.write(commandHelp(command));
    return ExitCode.ok;
  }
  let args: ParsedArgs;
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
    args = { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
  } catch (error) {
    ctx.stderr.write(`eb-migrate ${name}: ${argumentError(error, command)}\nusage: ${command.usage} (eb-migrate ${name} --help lists every option)\n`);
    return ExitCode.badConfiguration;
  }
  try {
    return await command.run(ctx, args);
  } catch (error) {
    if (error instanceof EbMigrateError) {
      ctx.stderr.write(`eb-migrate ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    // Missing or expired AWS credentials, wherever the call was: one line and the fix.
    const credentials = credentialsError(error);
    if (credentials) {
      ctx.stderr.write(`eb-migrate ${name}: ${credentials.message}\n`);
      return credentials.exitCode;
    }
    // A bug or an unexpected AWS answer: say what it was; the stack only with EB_MIGRATE_DEBUG.
    const debug = /^(1|true|yes|on)$/i.test(ctx.env.EB_MIGRATE_DEBUG ?? "");
    const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
    ctx.stderr.write(`eb-migrate ${name}: unexpected error: ${describeError(error)}${detail}\n`);
    return ExitCode.releaseFailed;
  }
}

/** parseArgs' complaint in our words, with the closest option for an unknown one. */
function argumentError(error: unknown, command: CommandSpec): string {
  const text = describeError(error).replace(/^TypeError[^:]*: /, "");
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(text);
  if (!unknown) return text.replace(/\. To specify a positional argument.*$/s, "");
  const hint = closest(unknown[2]!, Object.keys(command.options));
  return `unknown option ${unknown[1]}${unknown[2]}${hint ? ` (did you mean --${hint}?)` : ""}`;
}

/** `eb-migrate <command> --help`: the summary, the usage line and what each option does. */
export function commandHelp(command: CommandSpec): string {
  const names = Object.keys(command.options);
  const label = (n: string) => `--${n}${command.options[n]!.type === "string" ? " VALUE" : ""}`;
  const width = Math.max(0, ...names.map((n) => label(n).length));
  const lines = names.map((n) => `  ${label(n).padEnd(width)}  ${command.flags[n] ?? ""}`);
  return `${command.summary}\n\nusage: ${command.usage}\n${lines.length ? `\noptions:\n${lines.join("\n")}\n` : ""}`;
}

function helpText(commands: CommandSpec[]): string {
  const listed = commands.filter((c) => !c.name.startsWith("__"));
  const width = Math.max(...listed.map((c) => c.name.length));
  const lines = listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `eb-migrate ${VERSION} — a release phase for AWS Elastic Beanstalk\n\nusage: eb-migrate <command> [options]\n\n${lines.join("\n")}\n\nRun "eb-migrate <command> --help" for a command's options.\n`;
}

/** The process-level wrapper: signals become an AbortSignal; the exit code is the result. */
export async function runMain(commands: CommandSpec[]): Promise<never> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (!controller.signal.aborted) controller.abort(sig);
    // A second Ctrl-C means "now": the command had its chance to clean up.
    else if (signals > 2) process.exit(128 + (sig === "SIGINT" ? 2 : 15));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await runProgram(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }, commands);
  // Let buffered output drain before leaving.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}
