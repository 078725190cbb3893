import { describe, expect, it } from 'vitest';
import { opsAlertLine, opsAlertMessage, repeatsNote } from '../../../../adapters/slack/ops-message.ts';
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';

const refused: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };
const repeated: OpsAlert = { ...refused, suppressed: { count: 37, since: '2026-03-04T05:06:07.890Z' } };

describe('ops alerts the repeat cap stood in for', () => {
  it('say how many more like them were held back, and since when', () => {
    expect(repeatsNote(repeated)).toBe(' (and 37 more like it since 2026-03-04 05:06:07 UTC)');
    expect(opsAlertMessage(repeated).text).toContain('and 37 more like it since 2026-03-04 05:06:07 UTC');
    expect(JSON.stringify(opsAlertMessage(repeated).blocks)).toContain('and 37 more like it');
    expect(opsAlertLine(repeated)).toContain('and 37 more like it');
  });

  it('say nothing of it when nothing was held back', () => {
    expect(repeatsNote(refused)).toBe('');
    expect(opsAlertMessage(refused).text).not.toContain('more like it');
  });
});
