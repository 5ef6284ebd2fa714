// A LocalCommandInput for tests: real processes, the system clock, no redaction; every output
// line is kept in `lines` (and also passed to `onLine`, when given).
import type { LocalCommandInput } from "../../src/release/local-command.js";
import { systemClock } from "../../src/runtime/clock.js";

export function localCommandInput(
  argv: string[],
  over: Partial<LocalCommandInput> & { onLine?: (line: string) => void } = {},
): LocalCommandInput & { lines: string[] } {
  const lines: string[] = [];
  const { onLine, ...rest } = over;
  return {
    argv,
    shell: false,
    cwd: process.cwd(),
    env: { PATH: process.env.PATH },
    clock: systemClock,
    deadline: systemClock.now() + 60_000,
    signal: new AbortController().signal,
    redact: (l) => l,
    lines,
    ...rest,
    hooks: {
      onLine: (l) => {
        lines.push(l);
        onLine?.(l);
      },
    },
  };
}
