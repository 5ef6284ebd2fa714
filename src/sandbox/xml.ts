// A tiny XML writer for the Query-protocol answers (Auto Scaling, Elastic Beanstalk, EC2).

/** A value as it goes on the wire: lists become repeated `<member>` (or EC2's `<item>`) elements. */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | { [name: string]: XmlValue };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** AWS writes timestamps as ISO 8601 UTC with milliseconds. */
function scalar(value: string | number | boolean | Date): string {
  return escapeXml(value instanceof Date ? value.toISOString() : String(value));
}

/** `<name>…</name>`; undefined/null fields are left out, empty lists become `<name/>`. */
export function element(name: string, value: XmlValue, listTag: "member" | "item"): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    if (value.length === 0) return `<${name}/>`;
    return `<${name}>${value.map((v) => element(listTag, v, listTag)).join("")}</${name}>`;
  }
  if (typeof value === "object" && !(value instanceof Date)) {
    return `<${name}>${children(value, listTag)}</${name}>`;
  }
  return `<${name}>${scalar(value)}</${name}>`;
}

export function children(fields: { [name: string]: XmlValue }, listTag: "member" | "item"): string {
  return Object.entries(fields)
    .map(([k, v]) => element(k, v, listTag))
    .join("");
}
