import type { MappingConfig } from '../../schemas/generated/config.ts';
import type { JsonataLimits } from './jsonata-mapping.ts';
import { DEFAULT_JSONATA_LIMITS, evaluateJsonata, jsonataSyntaxProblem } from './jsonata-mapping.ts';
import { normaliseLead, text } from './normalise.ts';
import { calendly } from './presets/calendly.ts';
import { describeValue, isRecord } from './presets/field-names.ts';
import { generic } from './presets/generic.ts';
import { hubspot } from './presets/hubspot.ts';
import { meta } from './presets/meta.ts';
import { tally } from './presets/tally.ts';
import { typeform } from './presets/typeform.ts';
import { webflow } from './presets/webflow.ts';
import type { DraftLead, MappedLead, MappingInput, Preset } from './types.ts';
import { MappingError } from './types.ts';

export type { JsonataLimits } from './jsonata-mapping.ts';
export type { DraftLead, MappedLead, MappingErrorCode, MappingInput, Preset } from './types.ts';
export { MappingError } from './types.ts';

type PresetName = NonNullable<MappingConfig['preset']>;

/** The built-in presets: adding one is one file in presets/ and one line here. */
export const PRESETS: Readonly<Partial<Record<PresetName, Preset>>> = {
  generic,
  typeform,
  calendly,
  webflow,
  tally,
  hubspot,
  meta,
};

export interface MapOptions {
  jsonataLimits?: JsonataLimits;
}

/** Problems with a mapping found when the config loads, one sentence each; empty when it is usable. */
export function checkMapping(mapping: MappingConfig): string[] {
  const problems: string[] = [];
  const hasPreset = mapping.preset !== undefined;
  const hasJsonata = mapping.jsonata !== undefined;
  if (!hasPreset && !hasJsonata) problems.push('mapping needs a preset or a jsonata expression');
  if (hasPreset && hasJsonata) problems.push('mapping has both a preset and a jsonata expression: keep one');
  if (mapping.preset !== undefined && !Object.hasOwn(PRESETS, mapping.preset)) {
    problems.push(
      `mapping.preset "${String(mapping.preset)}" is not a known preset (${Object.keys(PRESETS).join(', ')})`,
    );
  }
  if (mapping.jsonata !== undefined) {
    if (mapping.jsonata.trim() === '') problems.push('mapping.jsonata is empty');
    else {
      const problem = jsonataSyntaxProblem(mapping.jsonata);
      if (problem !== undefined) problems.push(`mapping.jsonata: ${problem}`);
    }
  }
  if (
    mapping.score !== undefined &&
    !(Number.isInteger(mapping.score) && mapping.score >= 0 && mapping.score <= 100)
  ) {
    problems.push('mapping.score must be an integer from 0 to 100');
  }
  return problems;
}

async function draftFrom(
  mapping: MappingConfig,
  input: MappingInput,
  options: MapOptions,
): Promise<DraftLead> {
  if (mapping.jsonata !== undefined) {
    const result = await evaluateJsonata(
      mapping.jsonata,
      input.payload,
      { headers: input.headers, contentType: input.contentType },
      options.jsonataLimits ?? DEFAULT_JSONATA_LIMITS,
    );
    if (!isRecord(result)) {
      throw new MappingError(
        'unexpected_shape',
        `The JSONata expression must produce an object of lead fields, but produced ${result === undefined ? 'nothing' : describeValue(result)}`,
      );
    }
    return result as DraftLead;
  }
  const name = mapping.preset ?? 'generic';
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined)
    throw new MappingError('mapping_failed', `Unknown mapping preset "${String(name)}"`);
  try {
    return preset(input.payload, input);
  } catch (error) {
    if (error instanceof MappingError) throw error;
    // A preset bug must quarantine the delivery, not crash ingest; the error's message may quote the payload.
    throw new MappingError('mapping_failed', `The ${name} preset failed unexpectedly (${errorName(error)})`, {
      cause: new Error(errorName(error)),
    });
  }
}

/**
 * A draft that fails normalisation (no email, say) may still have told whose delivery it is: keep
 * that id on the error, so the quarantined payload is filed under the sender's id, not a body hash.
 */
function withDraftIds(error: MappingError, draft: DraftLead): MappingError {
  const deliveryId = text(draft.deliveryId, 512);
  if (error.partial?.deliveryId !== undefined || deliveryId === undefined) return error;
  return new MappingError(error.code, error.message, {
    cause: error.cause,
    partial: { ...error.partial, deliveryId },
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Maps a parsed payload to a lead's own fields with the source's preset or JSONata expression, then
 * normalises and validates it. Rejects with MappingError only.
 */
export async function mapPayload(
  mapping: MappingConfig,
  input: MappingInput,
  options: MapOptions = {},
): Promise<MappedLead> {
  const draft = await draftFrom(mapping, input, options);
  try {
    const normaliseOptions =
      mapping.score === undefined
        ? { phoneRegion: input.phoneRegion }
        : { phoneRegion: input.phoneRegion, defaultScore: mapping.score };
    return normaliseLead(draft, normaliseOptions);
  } catch (error) {
    if (error instanceof MappingError) throw withDraftIds(error, draft);
    throw new MappingError(
      'mapping_failed',
      `Normalising the lead failed unexpectedly (${errorName(error)})`,
      {
        cause: new Error(errorName(error)),
      },
    );
  }
}
