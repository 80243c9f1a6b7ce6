// Each table has one home: the module whose *-store.ts declares it (defineTable) is the only
// place under src/ that names it in SQL, and every declaration matches the schema the migrations
// build, column for column. Declarations are found by importing every store, so a new store is
// checked without touching this file.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SealedColumns } from "../../src/crypto/sealed-columns-store.js";
import type { Table } from "../../src/db/table.js";
import { openTestApp, type TestApp } from "../support/app.js";

const SRC = join(import.meta.dirname, "../../src");
const MIGRATIONS = join(SRC, "db/migrations");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === MIGRATIONS ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

interface Declared {
  table: { name: string; columns: readonly string[] };
  store: string;
}

function isTable(value: unknown): value is Table<Record<string, unknown>> {
  return typeof value === "object" && value !== null && typeof (value as Table<Record<string, unknown>>).name === "string" && Array.isArray((value as Table<Record<string, unknown>>).columns);
}

function isSealed(value: unknown): value is SealedColumns {
  return typeof value === "object" && value !== null && typeof (value as SealedColumns).kekVersion === "string" && typeof (value as SealedColumns).table === "string";
}

const files = sourceFiles(SRC);
const stores = files.filter((file) => file.endsWith("-store.ts"));
const declared: Declared[] = [];
const sealed: SealedColumns[] = [];
let testApp: TestApp;
let schema: Map<string, Set<string>>;

beforeAll(async () => {
  for (const store of stores) {
    const exports: Record<string, unknown> = await import(pathToFileURL(store).href);
    for (const value of Object.values(exports)) {
      if (isTable(value)) declared.push({ table: value, store });
      if (isSealed(value)) sealed.push(value);
    }
  }
  testApp = await openTestApp();
  const rows: { table_name: string; column_name: string }[] = await testApp.database.dataSource.query(
    `SELECT "table_name", "column_name" FROM information_schema.columns WHERE "table_schema" = current_schema() AND "table_name" LIKE 'clawkeep\\_%'`,
  );
  schema = new Map();
  for (const row of rows) schema.set(row.table_name, (schema.get(row.table_name) ?? new Set()).add(row.column_name));
});

afterAll(async () => {
  await testApp?.close();
});

describe("table declarations", () => {
  it("declare every table the migrations create, each in exactly one store", () => {
    const names = declared.map((d) => d.table.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i), "tables declared twice").toEqual([]);
    expect([...schema.keys()].filter((name) => !names.includes(name)), "tables no store declares").toEqual([]);
    expect(names.filter((name) => !schema.has(name)), "declared tables the schema lacks").toEqual([]);
  });

  it("list exactly the columns of the live schema", () => {
    const mismatches = declared.flatMap(({ table }) => {
      const live = schema.get(table.name) ?? new Set<string>();
      const missing = [...live].filter((column) => !table.columns.includes(column)).map((column) => `${table.name}.${column} is not declared`);
      const extra = table.columns.filter((column) => !live.has(column)).map((column) => `${table.name}.${column} does not exist`);
      return [...missing, ...extra];
    });
    expect(mismatches).toEqual([]);
  });

  it("name sealed columns that exist", () => {
    expect(sealed.length).toBeGreaterThan(0);
    const problems = sealed.flatMap((spec) =>
      [spec.kekVersion, spec.wrappedDek, ...spec.key.map((k) => k.column)]
        .filter((column) => !schema.get(spec.table)?.has(column))
        .map((column) => `${spec.table}.${column}`),
    );
    expect(problems).toEqual([]);
  });
});

describe("table ownership", () => {
  it("names a table in SQL only in a store of the module that declares it", () => {
    const ownerModule = new Map(declared.map(({ table, store }) => [table.name, dirname(store)]));
    const strays: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const [, name] of text.matchAll(/\b(clawkeep_[a-z0-9_]+)\b/g)) {
        const owner = ownerModule.get(name);
        if (owner === undefined) continue; // not a table (a metric name, a channel)
        if (!file.endsWith("-store.ts") || dirname(file) !== owner) strays.push(`${relative(SRC, file)} names ${name} (owned by ${relative(SRC, owner)})`);
      }
    }
    expect(strays).toEqual([]);
  });
});
