// An esbuild plugin for the AWS SDK clients' schema modules (dist-es/schemas/*.js): they spell
// object keys as computed references to module constants (`{ [_xN]: _m }` with
// `const _xN = "xmlName"`), which esbuild must keep, since evaluating a computed key could have
// side effects; so every shape stays in the bundle, used or not (the EC2 client's ~13,000 make
// half the bundle). Writing those keys as the string literals they name lets esbuild drop the
// shapes nothing refers to. The values are unchanged: test/build/schema-keys.test.ts compares
// every export of each rewritten module with the original's.
import { readFile } from "node:fs/promises";

export const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;

/** The module text with each `[_name]:` whose `_name` is a top-level string constant written as that literal. */
export function rewriteSchemaKeys(source) {
  const strings = new Map();
  for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(m[1], m[2]);
  let rewritten = 0;
  const text = source.replace(/\[(_\w+)\]:/g, (whole, name) => {
    const literal = strings.get(name);
    // `{ "__proto__": v }` sets the prototype where `{ ["__proto__"]: v }` makes a property.
    if (literal === undefined || JSON.parse(literal) === "__proto__") return whole;
    rewritten++;
    return `${literal}:`;
  });
  return { text, rewritten, constants: strings.size };
}

export const schemaKeysPlugin = {
  name: "schema-keys",
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async ({ path }) => ({ contents: rewriteSchemaKeys(await readFile(path, "utf8")).text, loader: "js" }));
  },
};
