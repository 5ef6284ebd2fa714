// Minimal DynamoDB attribute-value conversion for the flat records this tool stores.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Plain = string | number | boolean | string[] | undefined;

export function toAttributes(record: Record<string, Plain>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) {
    const attribute = toAttribute(value);
    if (attribute) out[key] = attribute;
  }
  return out;
}

export function toAttribute(value: Plain): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  return { L: value.map((s) => ({ S: s })) };
}

export function str(item: Record<string, AttributeValue>, key: string): string | undefined {
  const v = item[key];
  return v && "S" in v ? v.S : undefined;
}

export function num(item: Record<string, AttributeValue>, key: string): number | undefined {
  const v = item[key];
  return v && "N" in v && v.N !== undefined ? Number(v.N) : undefined;
}

export function strList(item: Record<string, AttributeValue>, key: string): string[] | undefined {
  const v = item[key];
  if (!v || !("L" in v) || !v.L) return undefined;
  return v.L.map((e) => ("S" in e && e.S !== undefined ? e.S : ""));
}
