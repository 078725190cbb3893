import type { PathState } from '../../functions/drift/drift-rule.ts';
import type { ShapeStore } from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';

/** Each source's known payload shape in the embedded database, saved with an optimistic version check. */
export function createEmbeddedShapeStore(
  database: EmbeddedDatabase,
  now: () => Date = () => new Date(),
): ShapeStore {
  return {
    async load(source) {
      const row = database.statement('SELECT paths, version FROM shapes WHERE source = ?').get(source) as
        | { paths: string; version: number }
        | undefined;
      return row
        ? { paths: JSON.parse(row.paths) as Record<string, PathState>, version: row.version }
        : undefined;
    },
    async save(source, paths, expectedVersion) {
      const version = (expectedVersion ?? 0) + 1;
      const json = JSON.stringify(paths);
      const at = now().toISOString();
      const changes = database.transaction(() =>
        expectedVersion === undefined
          ? database
              .statement(
                'INSERT INTO shapes (source, paths, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (source) DO NOTHING',
              )
              .run(source, json, version, at).changes
          : database
              .statement(
                'UPDATE shapes SET paths = ?, version = ?, updated_at = ? WHERE source = ? AND version = ?',
              )
              .run(json, version, at, source, expectedVersion).changes,
      );
      return Number(changes) > 0 ? version : undefined;
    },
  };
}
