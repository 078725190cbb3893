import { createRequire } from 'node:module';
import type jsonataModule from 'jsonata';
import { MappingError } from './types.ts';

type Jsonata = typeof jsonataModule;

/** Bounds for one evaluation, so a pathological expression cannot hang ingest. */
export interface JsonataLimits {
  /** Wall-clock budget of one evaluation, checked by JSONata at every evaluation step. */
  timeoutMs: number;
  /** Deepest evaluation stack (nested calls and recursion). */
  maxDepth: number;
  /** Longest sequence an expression may build. */
  maxSequence: number;
}

export const DEFAULT_JSONATA_LIMITS: JsonataLimits = { timeoutMs: 500, maxDepth: 300, maxSequence: 100_000 };

/** Compiled expressions by limits and text: compiling is the slow part, and a config has few expressions. */
const cache = new Map<string, jsonataModule.Expression>();

// JSONata (~80 KB minified) is loaded on first use, not at import: most sources map with a preset,
// and the ingest function should not pay for a library it may never call at every cold start.
let loaded: Jsonata | undefined;

/** The library for evaluation; the bundler keeps this dynamic import lazy. */
async function loadJsonata(): Promise<Jsonata> {
  loaded ??= (await import('jsonata')).default;
  return loaded;
}

/**
 * The library for a synchronous compile. Evaluation has always loaded it by then; only config
 * checks (checkMapping) get here first, and they run where node_modules is at hand (the CLI, the
 * local host, synth), never in a bundled function.
 */
function loadJsonataSync(): Jsonata {
  loaded ??= createRequire(import.meta.url)('jsonata') as Jsonata;
  return loaded;
}
const CACHE_LIMIT = 500;

interface JsonataErrorLike {
  code?: unknown;
  position?: unknown;
  token?: unknown;
  value?: unknown;
  message?: unknown;
}

function asJsonataError(error: unknown): JsonataErrorLike {
  return typeof error === 'object' && error !== null ? (error as JsonataErrorLike) : {};
}

/** JSONata's message with the offending value (which may come from the payload) taken out. */
function describe(error: unknown): { text: string; code: string; position?: number } {
  const e = asJsonataError(error);
  const code = typeof e.code === 'string' ? e.code : 'error';
  let text = typeof e.message === 'string' ? e.message : 'unknown error';
  if (e.value !== undefined && e.value !== null && typeof e.value !== 'object') {
    const value = String(e.value);
    if (value !== '') text = text.split(value).join('…');
  }
  const result: { text: string; code: string; position?: number } = { text: text.slice(0, 300), code };
  if (typeof e.position === 'number') result.position = e.position;
  return result;
}

function formatError(kind: string, error: unknown): { message: string; cause: Error } {
  const { text, code, position } = describe(error);
  const where = position === undefined ? '' : ` at position ${position}`;
  const message = `JSONata ${kind} ${code}${where}: ${text}`;
  // The cause is rebuilt rather than passed through: JSONata's error object holds the offending value.
  return { message, cause: new Error(message) };
}

/** Compiles (or takes from the cache) an expression; throws MappingError('mapping_failed') on a syntax error. */
export function compileJsonata(
  expression: string,
  limits: JsonataLimits = DEFAULT_JSONATA_LIMITS,
): jsonataModule.Expression {
  const key = `${limits.timeoutMs}:${limits.maxDepth}:${limits.maxSequence}:${expression}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const jsonata = loadJsonataSync();
  let compiled: jsonataModule.Expression;
  try {
    compiled = jsonata(expression, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequence,
    });
  } catch (error) {
    const { message, cause } = formatError('syntax error', error);
    throw new MappingError('mapping_failed', message, { cause });
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, compiled);
  return compiled;
}

/** Problems with an expression found without running it (for config checks). */
export function jsonataSyntaxProblem(expression: string): string | undefined {
  try {
    compileJsonata(expression);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : 'JSONata syntax error';
  }
}

/**
 * Evaluates an expression over a payload, bound by the limits. The headers and content type are available
 * as $headers and $contentType. Any failure is MappingError('mapping_failed') with JSONata's code and position.
 */
export async function evaluateJsonata(
  expression: string,
  payload: unknown,
  bindings: Record<string, unknown>,
  limits: JsonataLimits = DEFAULT_JSONATA_LIMITS,
): Promise<unknown> {
  await loadJsonata();
  const compiled = compileJsonata(expression, limits);
  try {
    return await compiled.evaluate(payload, bindings);
  } catch (error) {
    if (error instanceof RangeError) {
      // The JavaScript stack ran out before JSONata's own depth guard fired.
      throw new MappingError(
        'mapping_failed',
        'JSONata evaluation ran out of stack: the expression recurses too deeply',
        {
          cause: new Error(error.name),
        },
      );
    }
    const { message, cause } = formatError('evaluation error', error);
    throw new MappingError('mapping_failed', message, { cause });
  }
}
