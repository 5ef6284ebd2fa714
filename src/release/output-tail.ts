// Splits a byte stream into lines (linear in the bytes, however long a line is; at most
// `keepChars` of a line kept in memory) and keeps the last lines within a byte budget, so the
// release record always fits DynamoDB's 400 KB item whatever the command prints.
import { StringDecoder } from "node:string_decoder";
import { truncateBytes } from "../runtime/truncate.js";
import type { Redactor } from "./redact.js";

/** A line longer than this is cut (`…[truncated N bytes]`) in the log and in the record. */
export const MAX_LINE_BYTES = 4096;
/** The stored tail: at most this many bytes of lines, well under DynamoDB's 400 KB item. */
export const MAX_TAIL_BYTES = 32 * 1024;
/**
 * How much of a line the splitter keeps before cutting: the cap plus room for a secret (or a
 * URL's credentials) that starts before the cap, so redaction still sees it whole.
 */
export const KEEP_LINE_CHARS = MAX_LINE_BYTES + 64 * 1024;

export class LineSplitter {
  private parts: string[] = [];
  private kept = 0;
  private droppedBytes = 0;
  private droppedCr = false;
  private readonly decoder = new StringDecoder("utf8");

  /** `onLine` gets the line (without its `\r\n`/`\n`) and how many bytes of it were dropped. */
  constructor(
    private readonly onLine: (line: string, droppedBytes: number) => void,
    private readonly keepChars = KEEP_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    // The decoder holds back a character split across two chunks.
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      this.append(text.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    if (start < text.length) this.append(text.slice(start));
  }

  /** Emits a last line without a newline, if any. */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.append(rest);
    if (this.kept > 0 || this.droppedBytes > 0) this.emit();
  }

  private append(piece: string): void {
    const room = this.keepChars - this.kept;
    if (piece.length <= room) {
      this.parts.push(piece);
      this.kept += piece.length;
      return;
    }
    if (room > 0) {
      this.parts.push(piece.slice(0, room));
      this.kept += room;
    }
    const dropped = piece.slice(Math.max(0, room));
    this.droppedBytes += Buffer.byteLength(dropped);
    this.droppedCr = dropped.endsWith("\r");
  }

  private emit(): void {
    let line = this.parts.join("");
    let dropped = this.droppedBytes;
    if (dropped > 0 && this.droppedCr) dropped -= 1;
    else if (dropped === 0 && line.endsWith("\r")) line = line.slice(0, -1);
    this.parts = [];
    this.kept = 0;
    this.droppedBytes = 0;
    this.droppedCr = false;
    this.onLine(line, dropped);
  }
}

/** One output line as it is logged and stored: secrets masked first, then cut to the cap. */
export function outputLine(raw: string, droppedBytes: number, redact: Redactor): string {
  return truncateBytes(redact(raw), MAX_LINE_BYTES, droppedBytes);
}

/** The last `size` lines, fewer when they would exceed `maxBytes` (each line capped too). */
export class Tail {
  private readonly lines: string[] = [];
  private readonly bytes: number[] = [];
  private total = 0;
  constructor(
    private readonly size: number,
    private readonly maxBytes = MAX_TAIL_BYTES,
  ) {}

  push(line: string): void {
    const kept = truncateBytes(line, MAX_LINE_BYTES);
    const size = Buffer.byteLength(kept);
    this.lines.push(kept);
    this.bytes.push(size);
    this.total += size;
    while (this.lines.length > this.size || (this.total > this.maxBytes && this.lines.length > 1)) {
      this.lines.shift();
      this.total -= this.bytes.shift()!;
    }
  }

  get(): string[] {
    return [...this.lines];
  }
}
