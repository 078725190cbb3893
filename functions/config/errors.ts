/** A config that cannot run: every problem is listed, each with the path to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[], options?: { cause?: unknown }) {
    super(
      `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.problems = problems;
  }
}

/** A secret reference that could not be resolved. The message names the reference, never a value. */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  readonly ref: string;
  constructor(ref: string, hint: string, options?: { cause?: unknown }) {
    super(`Secret ${ref} could not be resolved: ${hint}`, options);
    this.ref = ref;
  }
}
