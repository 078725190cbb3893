import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineChecks } from '../../../functions/config/checks.ts';
import { parseConfig } from '../../../functions/config/load.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The ```yaml blocks of one README section. */
function yamlBlocks(heading: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith(heading)) ?? '';
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('the README', () => {
  it('shows a config example that leadpipe accepts as written', () => {
    // Prepare
    const [example] = yamlBlocks('Config');

    // Act
    const config = parseConfig(example ?? '', 'README.md', pipelineChecks);

    // Assess
    expect(Object.keys(config.sources)).toEqual(['typeform']);
    expect(Object.keys(config.destinations)).toEqual(['hubspot', 'salesforce', 'slack']);
  });

  it('shows a Meta lead ads source, fetched through the Graph API, that leadpipe accepts as written', () => {
    // Prepare
    const [sources] = yamlBlocks('Senders');
    const withDestination = `${sources}destinations:\n  hubspot: { type: hubspot, accessToken: env:HUBSPOT_TOKEN }\n`;

    // Act
    const config = parseConfig(withDestination, 'README.md', pipelineChecks);

    // Assess
    expect(config.sources.meta?.enrich?.accessToken).toBe('env:META_PAGE_TOKEN');
  });

  it('shows the two commands a new user runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
