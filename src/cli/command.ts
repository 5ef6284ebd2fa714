// The shape every command has: declared options, and a run that returns an exit code or
// throws an EbMigrateError. Only the program (program.ts) turns these into process exits.
import type { ParseArgsConfig } from "node:util";

export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** Aborted on SIGINT/SIGTERM; `reason` is the signal's name ("SIGTERM"). */
  signal: AbortSignal;
}

export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** One line: `eb-migrate init [--dir D] ...`. */
  usage: string;
  options: OptionsConfig;
  /** What each option does, one line each, for `--help` (every option has one). */
  flags: Record<string, string>;
  positionals?: boolean;
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>;
}
