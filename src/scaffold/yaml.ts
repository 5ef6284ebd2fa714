// A small YAML writer for the JSON-shaped values init puts into .ebextensions (maps, lists,
// strings, numbers, booleans): readable block style, no YAML library in the instance bundle.

export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

/** `value` as YAML block lines, each indented by `indent` spaces; ends with a newline. */
export function toYaml(value: YamlValue, indent = 0): string {
  return `${lines(value, indent).join("\n")}\n`;
}

function lines(value: YamlValue, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isScalar(item)) return [`${pad}- ${scalar(item)}`];
      // The first line of a nested block goes right after the dash.
      const [first, ...rest] = lines(item, indent + 2);
      return [`${pad}- ${first!.trimStart()}`, ...rest];
    });
  }
  if (typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) =>
      isScalar(item) || isEmpty(item) ? [`${pad}${scalar(key)}: ${isScalar(item) ? scalar(item) : Array.isArray(item) ? "[]" : "{}"}`] : [`${pad}${scalar(key)}:`, ...lines(item, indent + 2)],
    );
  }
  return [`${pad}${scalar(value)}`];
}

function isScalar(value: YamlValue): value is string | number | boolean {
  return typeof value !== "object";
}

function isEmpty(value: YamlValue): boolean {
  return Array.isArray(value) ? value.length === 0 : typeof value === "object" && Object.keys(value).length === 0;
}

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_/.*:$@+-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

/** A scalar written plain when YAML reads it back as the same string, JSON-quoted otherwise. */
function scalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  if (PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(":")) return value;
  return JSON.stringify(value);
}
