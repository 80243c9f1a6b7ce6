// A table as its owning store declares it: its name, and its columns as the store's row type
// names them. Listing the columns against the row type makes the compiler refuse a column the
// type lacks or a field the table lacks; a test compares each declaration with the live schema.

export interface Table<Row> {
  name: string;
  columns: readonly (keyof Row & string)[];
}

/** Every field of `Row`, each exactly once: a missing or extra one does not compile. */
type EveryColumn<Row> = { [K in keyof Row]-?: true };

export function defineTable<Row>(name: string, columns: EveryColumn<Row>): Table<Row> {
  return { name, columns: Object.keys(columns) as (keyof Row & string)[] };
}

/** `"a", "b", "c"`, or with a prefix `t."a", t."b"`: a SELECT's named column list. */
export function columnList<Row>(table: Table<Row>, alias?: string): string {
  return table.columns.map((column) => (alias ? `${alias}."${column}"` : `"${column}"`)).join(", ");
}
