// What a store declares to be created and migrated at open: numbered migrations recorded in a
// version table of its own, so authd's and the chat store's tables can share one database.
export interface Migrations {
  /** Names the store in errors ("account store", "chat store"). */
  readonly what: string;
  /** The table that records applied versions. */
  readonly versionTable: string;
  /** Migration N (1-based) brings the schema from version N-1 to N. */
  readonly steps: readonly string[];
}

export function newerSchemaMessage(m: Migrations, found: number): string {
  return `${m.what} schema version ${found} is newer than this program's (${m.steps.length})`;
}
