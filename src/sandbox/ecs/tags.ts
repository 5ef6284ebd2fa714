// ECS's tag rules, for every sandbox operation that takes tags (RegisterTaskDefinition, RunTask,
// TagResource): keys of 1-128 and values of 0-256 letters, digits, spaces and _ . : / = + - @;
// the aws: prefix is reserved; a key once per request; at most 50 per resource.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html
import { AwsError } from "../wire-errors.js";

export const MAX_TAGS = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export interface Tag {
  key: string;
  value?: string;
}

/** A request's `tags`, checked as ECS checks them (undefined: none). */
export function checkTags(input: unknown): Tag[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw new AwsError("InvalidParameterException", "tags must be a list of key/value objects.");
  const tags: Tag[] = [];
  for (const t of input as ({ key?: unknown; value?: unknown } | null)[]) {
    const key = t?.key;
    const value = t?.value;
    if (typeof key !== "string" || key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) throw new AwsError("InvalidParameterException", `Invalid tag key: ${JSON.stringify(key)} (1-128 letters, numbers, spaces and + - = . _ : / @).`);
    if (value !== undefined && (typeof value !== "string" || value.length > 256 || !TAG_TEXT.test(value))) throw new AwsError("InvalidParameterException", `Invalid tag value for key ${key}: ${JSON.stringify(value)} (up to 256 letters, numbers, spaces and + - = . _ : / @).`);
    if (/^aws:/i.test(key)) throw new AwsError("InvalidParameterException", `Tag keys beginning with aws: are reserved for AWS use: ${key}.`);
    if (tags.some((x) => x.key === key)) throw new AwsError("InvalidParameterException", `Duplicate tag key: ${key}.`);
    tags.push(value === undefined ? { key } : { key, value });
  }
  if (tags.length > MAX_TAGS) throw new AwsError("InvalidParameterException", `A resource can have at most ${MAX_TAGS} tags; ${tags.length} were given.`);
  return tags;
}
