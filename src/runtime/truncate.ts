// Cuts text to a byte budget on a UTF-8 character boundary and says how much was cut, so no
// log line, message or stored record grows with what a command or a user hands us.

/** The suffix that replaces what was cut. */
export function truncatedNote(bytes: number): string {
  return `…[truncated ${bytes} bytes]`;
}

/**
 * `text` when it fits in `maxBytes` (UTF-8) and nothing was dropped before; otherwise its first
 * `maxBytes` bytes (never half a character) and the note, counting `alreadyDropped` too.
 */
export function truncateBytes(text: string, maxBytes: number, alreadyDropped = 0): string {
  // Fast path without encoding: a string is at most 3 bytes per UTF-16 unit.
  if (alreadyDropped === 0 && text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return alreadyDropped === 0 ? text : `${text}${truncatedNote(alreadyDropped)}`;
  const buffer = Buffer.from(text);
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--;
  return `${buffer.subarray(0, end).toString()}${truncatedNote(bytes - end + alreadyDropped)}`;
}
