import { describe, expect, it } from 'vitest';
import { opsAlertLine, opsAlertMessage } from '../../adapters/slack/ops-message.ts';
import type { KnownPaths } from '../../functions/drift/drift-rule.ts';
import { createShapeObserver, redactPathNames } from '../../functions/drift/observer.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { KnownShape, ShapeStore } from '../../functions/ports.ts';
import { recordingAlerts } from '../unit/functions/ingest/fakes.ts';

/** The shape store's contract in memory: versioned, conditional saves. */
function memoryShapeStore(): ShapeStore {
  const shapes = new Map<string, KnownShape>();
  return {
    async load(source) {
      return shapes.get(source);
    },
    async save(source: string, paths: KnownPaths, expected: number | undefined) {
      if (shapes.get(source)?.version !== expected) return undefined;
      const version = (expected ?? 0) + 1;
      shapes.set(source, { paths: { ...paths }, version });
      return version;
    },
  };
}

const PERSONAL = ['ada.lovelace@example.com', '+44 20 7183 8750', '4155550132', '20718387'];

describe('schema-drift alerts', () => {
  it('carry no key name that is an email address, a phone number or a long digit run', async () => {
    // Prepare: a form whose fields are named after the person who filled it in.
    const alerts = recordingAlerts();
    const observe = createShapeObserver({
      store: memoryShapeStore(),
      raiseAlerts: alerts,
      logger: createLogger({ logLevel: 'SILENT' }),
      rule: { stoppedAfter: 1, maxPaths: 100 },
    });
    await observe('form', { email: 'a@example.com', answers: [{ id: 'x' }] });

    // Act
    await observe('form', {
      email: 'a@example.com',
      answers: [{ id: 'x', 'ada.lovelace@example.com': true }],
      contact: { '+44 20 7183 8750': 'yes', 'ref-4155550132': 1, id20718387: 2 },
      utm: { source: 'x' },
    });

    // Assess
    const alert = alerts.alerts[0];
    expect(alert).toMatchObject({ kind: 'schema-drift', source: 'form' });
    const slack = JSON.stringify([
      opsAlertMessage(alert ?? ({} as never)),
      opsAlertLine(alert ?? ({} as never)),
    ]);
    for (const value of PERSONAL) {
      expect(JSON.stringify(alert)).not.toContain(value);
      expect(slack).not.toContain(value);
    }
    expect(alert?.kind === 'schema-drift' && alert.added).toEqual(
      expect.arrayContaining(['answers[].[email]', 'contact.[number]', 'contact.ref-[number]', 'utm.source']),
    );
  });

  it.each([
    ['an address after an array marker', 'answers[].ada@example.com', 'answers[].[email]'],
    ['an address with dots in both halves', 'fields.ada.lovelace@mail.example.co.uk.value', '[email]'],
    ['a spaced international number', 'contact.+1 415 555 0132', 'contact.[number]'],
    ['a dotted number across keys', 'fields.555.123.4567', 'fields.[number]'],
    ['a plain path', 'form_response.answers[].field.id', 'form_response.answers[].field.id'],
    ['a short number', 'items[].2024', 'items[].2024'],
  ])('redacts %s', (_, path, expected) => {
    expect(redactPathNames(path)).toBe(expected);
  });
});
