import type { ErrorObject } from 'ajv';

/** Validates a config and fills in defaults, in place. */
export { validateConfig } from './generated/config-validator.js';
// The validators are Ajv standalone code generated from the schemas by `npm run gen:types`
// (scripts/gen-types.ts): no schema is compiled at import, and no bundle carries the Ajv compiler.
export type { PrecompiledValidator } from './generated/validators.js';
export {
  validateLead,
  validateLeadReceived,
  validateLedgerEvent,
  validateOpsAlert,
} from './generated/validators.js';

/** Turns Ajv errors into one line per problem, each naming the path a person has to fix. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string[] {
  const lines = new Set<string>();
  for (const error of errors ?? []) {
    // if/then/else, oneOf and propertyNames wrappers only repeat what their inner errors already say.
    if (['if', 'oneOf', 'anyOf', 'propertyNames'].includes(error.keyword)) continue;
    const path = toPath(root, error.instancePath);
    lines.add(`${path || '(top level)'}: ${explain(error)}`);
  }
  return [...lines];
}

function toPath(root: string, pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = root;
  for (const part of parts) {
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) path += path ? `.${part}` : part;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path;
}

function explain(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}" (check its spelling)`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'not':
      return 'has a property that is not allowed together with the others here';
    case 'discriminator':
      return params.error === 'mapping'
        ? `"type" must be one of: hubspot, salesforce, slack`
        : 'must have a "type": hubspot, salesforce or slack';
    case 'pattern':
      if (error.schemaPath.includes('secretRef')) {
        return 'must be a secret reference (env:NAME, secretsmanager:NAME or ssm:/path), never the secret itself';
      }
      if (error.schemaPath.includes('/name/') || error.schemaPath.includes('propertyNames')) {
        return 'names use lower-case letters, digits and dashes, start with a letter, at most 40 characters';
      }
      return `must match the pattern ${String(params.pattern)}`;
    default:
      return error.message ?? 'is not valid';
  }
}
