import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretNotFoundError } from '../../functions/config/errors.ts';
import { envSecretResolver } from '../../functions/config/secrets.ts';
import * as devSecrets from '../../local/dev-secrets.ts';

const root = join(import.meta.dirname, '..', '..');
const defaultConfig = join(root, 'leadpipe.config.yaml');
const TYPEFORM_DEVELOPMENT_VALUE = 'development-only-typeform-secret';

/** Runs local/main.ts with only `env` (and PATH) until its output matches `until`, or it exits. */
function runMain(
  env: Record<string, string>,
  args: string[] = [],
  until = /leadpipe is running on/,
): Promise<{ running: boolean; code: number | null; output: string }> {
  const child: ChildProcess = spawn(process.execPath, [join(root, 'local', 'main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LEADPIPE_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let running = false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!running && until.test(output)) {
        running = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ running, code: running ? null : code, output });
    });
  });
}

describe('development secrets', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'leadpipe-devsecrets-'));
    dirs.push(made);
    return made;
  };
  afterAll(() => {
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  });

  it('are not used for a variable set to the empty string, which is refused naming it', async () => {
    // Act
    const error = await devSecrets
      .localSecretResolver({ TYPEFORM_SECRET: '' })
      .resolveSecret('env:TYPEFORM_SECRET')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toMatch(/TYPEFORM_SECRET is set but empty/);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
  ])('a variable that is %s is an error of its own, never "not set"', async (_, value) => {
    const error = await envSecretResolver({ X: value })('env:X').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'Secret env:X could not be resolved: the environment variable X is set but empty; set it to the secret',
    );
  });

  it('stop npm start at once when a variable the config names is empty, naming it and no value', async () => {
    // Act
    const run = await runMain({ LEADPIPE_DATA_DIR: dir(), TYPEFORM_SECRET: '' }, ['--development-secrets']);

    // Assess
    expect(run.running).toBe(false);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'sources.typeform.verify.secrets[0]: the environment variable TYPEFORM_SECRET',
    );
    expect(run.output).not.toContain(TYPEFORM_DEVELOPMENT_VALUE);
  });

  it('are not used without the opt-in, even with the default config', async () => {
    // Act
    const run = await runMain({ LEADPIPE_DATA_DIR: dir() });

    // Assess
    expect(run.running).toBe(false);
    expect(run.output).toMatch(/Secret env:[A-Z_]+ could not be resolved: set the environment variable/);
  });

  it('are not used for any config but the default one, even with the opt-in', async () => {
    // Prepare: the same file, elsewhere.
    const elsewhere = join(dir(), 'leadpipe.config.yaml');
    copyFileSync(defaultConfig, elsewhere);

    // Act
    const run = await runMain({ LEADPIPE_DATA_DIR: dir(), LEADPIPE_CONFIG: elsewhere }, [
      '--development-secrets',
    ]);

    // Assess
    expect(run.running).toBe(false);
    expect(run.output).toMatch(/development values are only for the default leadpipe\.config\.yaml/);
  });

  it('are used by npm start with the default config (its start script opts in)', async () => {
    // Prepare
    const start: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
    const args = start.split(/\s+/).slice(2);

    // Act
    const run = await runMain({ LEADPIPE_DATA_DIR: dir() }, args, /Using DEVELOPMENT-ONLY secrets/);

    // Assess
    expect(start.startsWith('node local/main.ts')).toBe(true);
    expect(run.running).toBe(true);
    expect(run.output).toContain('leadpipe is running on');
  });

  it('sign `leadpipe send` requests with the default config only', async () => {
    // Prepare
    const { DEFAULT_CONFIG_PATH, localSecrets } = devSecrets;

    // Act
    const forDefault = localSecrets({ configPath: DEFAULT_CONFIG_PATH, developmentSecrets: true, env: {} });
    const forOther = localSecrets({ configPath: join(dir(), 'x.yaml'), developmentSecrets: true, env: {} });

    // Assess
    await expect(forDefault.resolveSecret('env:TYPEFORM_SECRET')).resolves.toBe(TYPEFORM_DEVELOPMENT_VALUE);
    expect([...forDefault.developmentSecretsUsed]).toEqual(['TYPEFORM_SECRET']);
    await expect(forOther.resolveSecret('env:TYPEFORM_SECRET')).rejects.toThrow(
      /set the environment variable TYPEFORM_SECRET/,
    );
  });
});
