import { describe, expect, it } from 'vitest';
import type { KnownPaths } from '../../../../functions/drift/drift-rule.ts';
import { createShapeObserver } from '../../../../functions/drift/observer.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { KnownShape, ShapeStore } from '../../../../functions/ports.ts';
import { recordingAlerts } from '../ingest/fakes.ts';

/** The DynamoDB store's contract in memory: versioned, conditional saves. */
function memoryShapeStore(): ShapeStore & { shapes: Map<string, KnownShape>; loads: number } {
  const shapes = new Map<string, KnownShape>();
  const store = {
    shapes,
    loads: 0,
    async load(source: string) {
      store.loads++;
      const shape = shapes.get(source);
      return shape && { paths: { ...shape.paths }, version: shape.version };
    },
    async save(source: string, paths: KnownPaths, expected: number | undefined) {
      if (shapes.get(source)?.version !== expected) return undefined;
      const version = (expected ?? 0) + 1;
      shapes.set(source, { paths: { ...paths }, version });
      return version;
    },
  };
  return store;
}

const logger = createLogger({ logLevel: 'SILENT' });
const rule = { stoppedAfter: 2, maxPaths: 100 };
const lead = { email: 'a@example.com', name: 'A' };

describe('createShapeObserver', () => {
  it('takes the first payload of a source as its baseline, without an alert', async () => {
    // Prepare
    const store = memoryShapeStore();
    const alerts = recordingAlerts();
    const observe = createShapeObserver({ store, raiseAlerts: alerts, logger, rule });
    // Act
    await observe('form', lead);
    // Assess
    expect(store.shapes.get('form')).toEqual({ paths: { email: 'present', name: 'present' }, version: 1 });
    expect(alerts.alerts).toEqual([]);
  });

  it('raises one schema-drift alert for a new field, and none for the next payloads carrying it', async () => {
    // Prepare
    const store = memoryShapeStore();
    const alerts = recordingAlerts();
    const observe = createShapeObserver({ store, raiseAlerts: alerts, logger, rule });
    await observe('form', lead);
    // Act
    await observe('form', { ...lead, utm: { source: 'x' } });
    await observe('form', { ...lead, utm: { source: 'y' } });
    // Assess
    expect(alerts.alerts).toEqual([
      { kind: 'schema-drift', source: 'form', added: ['utm.source'], removed: [] },
    ]);
  });

  it('raises one alert when a field stops coming for the configured run of payloads', async () => {
    // Prepare
    const store = memoryShapeStore();
    const alerts = recordingAlerts();
    const observe = createShapeObserver({ store, raiseAlerts: alerts, logger, rule });
    await observe('form', lead);
    // Act
    for (let i = 0; i < 4; i++) await observe('form', { email: 'a@example.com' });
    // Assess
    expect(alerts.alerts).toEqual([{ kind: 'schema-drift', source: 'form', added: [], removed: ['name'] }]);
  });

  it('alerts once for a change two instances see at the same time', async () => {
    // Prepare: two Lambda instances, one table.
    const store = memoryShapeStore();
    const alerts = recordingAlerts();
    const first = createShapeObserver({ store, raiseAlerts: alerts, logger, rule });
    const second = createShapeObserver({ store, raiseAlerts: alerts, logger, rule });
    await first('form', lead);
    await second('form', lead);
    const changed = { ...lead, company: 'C' };
    // Act
    await Promise.all([first('form', changed), second('form', changed)]);
    await Promise.all([first('form', changed), second('form', changed)]);
    // Assess
    expect(alerts.alerts).toEqual([
      { kind: 'schema-drift', source: 'form', added: ['company'], removed: [] },
    ]);
  });

  it('serves payloads from memory, reading the store again only after the refresh interval', async () => {
    // Prepare
    let now = 0;
    const store = memoryShapeStore();
    const observe = createShapeObserver({ store, logger, rule, refreshAfterMs: 1000, now: () => now });
    await observe('form', lead);
    // Act
    for (let i = 0; i < 5; i++) await observe('form', lead);
    const loadsBefore = store.loads;
    now = 1000;
    await observe('form', lead);
    // Assess
    expect(loadsBefore).toBe(1);
    expect(store.loads).toBe(2);
  });

  it('rejects when the store fails, for the caller to log, and works again afterwards', async () => {
    // Prepare
    const store = memoryShapeStore();
    const failing: ShapeStore = { ...store, load: async () => Promise.reject(new Error('down')) };
    let broken = true;
    const observe = createShapeObserver({
      store: { load: (s) => (broken ? failing.load(s) : store.load(s)), save: (...a) => store.save(...a) },
      logger,
      rule,
    });
    // Act
    const failed = observe('form', lead);
    await expect(failed).rejects.toThrow('down');
    broken = false;
    await observe('form', lead);
    // Assess
    expect(store.shapes.get('form')?.version).toBe(1);
  });
});
