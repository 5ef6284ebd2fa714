// Splits a byte stream into lines and keeps the last N of them.

export class LineSplitter {
  private partial = "";
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split(/\r?\n/);
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onLine(line);
  }

  /** Emits a last line without a newline, if any. */
  end(): void {
    if (this.partial !== "") this.onLine(this.partial);
    this.partial = "";
  }
}

export class Tail {
  private readonly lines: string[] = [];
  constructor(private readonly size: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}
