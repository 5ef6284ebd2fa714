// NextToken pagination shared by the Describe* stand-ins: an opaque token holding the offset.
import { AwsError } from "./wire-errors.js";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** Slices `all` from the token's offset; an unreadable token is refused like AWS does. */
export function paginate<T>(all: T[], pageSize: number, nextToken: string | undefined, invalidTokenCode: string): Page<T> {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== "") {
    const decoded = /^[A-Za-z0-9_-]+$/.test(nextToken) ? Buffer.from(nextToken, "base64url").toString("utf8") : "";
    const match = /^offset:(\d+)$/.exec(decoded);
    if (!match) throw new AwsError(invalidTokenCode, "The token is not valid.", 400);
    offset = Number(match[1]);
  }
  const items = all.slice(offset, offset + pageSize);
  const end = offset + items.length;
  return end < all.length ? { items, nextToken: Buffer.from(`offset:${end}`).toString("base64url") } : { items };
}
