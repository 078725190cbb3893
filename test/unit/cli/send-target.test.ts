import { describe, expect, it } from 'vitest';
import { chooseSendTarget } from '../../../cli/commands/send.ts';

const RUNTIME_FILE = '/data/runtime.json';
const RUNNING = { pid: 42, url: 'http://127.0.0.1:4210', database: '/data/leadpipe.db' };

describe('chooseSendTarget', () => {
  it.each([
    [
      '--url first',
      { flag: 'http://a:1', envUrl: 'http://b:2', runtime: RUNNING, port: 5000 },
      'http://a:1',
      'flag',
    ],
    [
      'then LEADPIPE_URL',
      { envUrl: 'http://b:2', runtime: RUNNING, port: 5000 },
      'http://b:2',
      'LEADPIPE_URL',
    ],
    ["then the running host's URL", { runtime: RUNNING, port: 5000 }, 'http://127.0.0.1:4210', 'runtime'],
    ['then PORT', { port: 5000 }, 'http://127.0.0.1:5000', 'port'],
    ['then 3000', {}, 'http://127.0.0.1:3000', 'port'],
  ] as const)('takes %s', (_, input, baseUrl, from) => {
    // Act
    const target = chooseSendTarget({ ...input, runtimeFile: RUNTIME_FILE });

    // Assess
    expect(target.baseUrl).toBe(baseUrl);
    expect(target.from).toBe(from);
  });

  it.each([
    [{ runtime: RUNNING }, `from the running host (pid 42, ${RUNTIME_FILE})`],
    [{ port: 5000 }, `from PORT=5000, as no running host was found in ${RUNTIME_FILE}`],
    [{}, `the default port, as no running host was found in ${RUNTIME_FILE}`],
  ])('says where the URL came from: %o', (input, reason) => {
    expect(chooseSendTarget({ ...input, runtimeFile: RUNTIME_FILE }).reason).toBe(reason);
  });
});
