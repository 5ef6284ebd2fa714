// Types of scripts/schema-keys.mjs for the tests that import it.
import type { Plugin } from "esbuild";

export declare const SCHEMA_MODULE: RegExp;
export declare function rewriteSchemaKeys(source: string): { text: string; rewritten: number; constants: number };
export declare const schemaKeysPlugin: Plugin;
