// The generated CRM properties module alone, as the adapter uses the contacts one.
import {
  CoreApi,
  createConfiguration,
  GroupsApi,
  type HttpLibrary,
  type PropertyCreate,
  type PropertyCreateFieldTypeEnum,
  type PropertyCreateTypeEnum,
  ServerConfiguration,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { HUBSPOT_API_URL } from './adapter.ts';
import { describeError, parseErrorBody } from './errors.ts';
import { DEFAULT_PERSON_ID_PROPERTY, LEGAL_BASIS_PROPERTY } from './field-defaults.ts';
import { LEADPIPE_GROUP, leadpipeProperties, type PropertyDefinition } from './leadpipe-properties.ts';
import { type RawAnswer, recordingHttp } from './transport.ts';

/** What setup found or did for one group or property. */
export interface SetupItem {
  kind: 'group' | 'property';
  name: string;
  status: 'created' | 'present' | 'missing' | 'wrong' | 'failed';
  /** Why it is wrong or failed, or what to do about it; never the token. */
  detail?: string;
}

export interface SetupOptions {
  accessToken: string;
  /** Default https://api.hubapi.com */
  baseUrl?: string;
  personIdProperty?: string;
  /** Only look: create nothing. */
  check?: boolean;
  timeoutMs?: number;
}

/** True when the portal is ready for the adapter: everything present (or just created). */
export function setupComplete(items: readonly SetupItem[]): boolean {
  return items.every((item) => item.status === 'present' || item.status === 'created');
}

const OBJECT_TYPE = 'contacts';

/**
 * `leadpipe setup hubspot`: makes sure the portal has the `leadpipe` property group and every
 * contact property the adapter writes, the person id with unique values, creating what is missing
 * (unless `check`) through the CRM properties API. Idempotent: a second run finds everything
 * present. HubSpot's own hs_legal_basis is only checked (it exists once data privacy is on).
 */
export async function setUpHubspot(options: SetupOptions): Promise<SetupItem[]> {
  const http = recordingHttp(options.timeoutMs ?? 10_000);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration<Record<string, string>>(
      (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, ''),
      {},
    ),
    authMethods: { oauth2: { accessToken: options.accessToken } },
    // The contacts module's HTTP layer: the same request and response shapes.
    httpApi: http.httpApi as unknown as HttpLibrary,
  });
  const groups = new GroupsApi(configuration);
  const core = new CoreApi(configuration);
  const personIdProperty = options.personIdProperty ?? DEFAULT_PERSON_ID_PROPERTY;
  const call = async <T>(run: () => Promise<T>) => {
    const { value, answer } = await http.record(run);
    return value ? { found: value } : { answer };
  };
  const items: SetupItem[] = [];

  const group = await call(() => groups.getByName(OBJECT_TYPE, LEADPIPE_GROUP.name));
  if (group.found) items.push({ kind: 'group', name: LEADPIPE_GROUP.name, status: 'present' });
  // Refused or unreachable (a wrong token, a wrong URL): every other call would fail alike.
  else if (!isNotFound(group.answer)) return [failed('group', LEADPIPE_GROUP.name, group.answer)];
  else if (options.check) items.push({ kind: 'group', name: LEADPIPE_GROUP.name, status: 'missing' });
  else {
    const created = await call(() => groups.create(OBJECT_TYPE, { ...LEADPIPE_GROUP }));
    items.push(
      created.found || created.answer?.status === 409
        ? { kind: 'group', name: LEADPIPE_GROUP.name, status: created.found ? 'created' : 'present' }
        : failed('group', LEADPIPE_GROUP.name, created.answer),
    );
  }

  for (const definition of leadpipeProperties(personIdProperty)) {
    const existing = await call(() => core.getByName(OBJECT_TYPE, definition.name));
    if (existing.found) {
      items.push(
        definition.hasUniqueValue && existing.found.hasUniqueValue !== true
          ? {
              kind: 'property',
              name: definition.name,
              status: 'wrong',
              detail: `exists without unique values: HubSpot cannot make an existing property unique; archive it in HubSpot, or set personIdProperty to another name`,
            }
          : { kind: 'property', name: definition.name, status: 'present' },
      );
    } else if (!isNotFound(existing.answer)) items.push(failed('property', definition.name, existing.answer));
    else if (options.check) items.push({ kind: 'property', name: definition.name, status: 'missing' });
    else {
      const created = await call(() => core.create(OBJECT_TYPE, propertyCreate(definition)));
      items.push(
        created.found
          ? { kind: 'property', name: definition.name, status: 'created' }
          : created.answer?.status === 409
            ? { kind: 'property', name: definition.name, status: 'present' }
            : failed('property', definition.name, created.answer),
      );
    }
  }

  const basis = await call(() => core.getByName(OBJECT_TYPE, LEGAL_BASIS_PROPERTY));
  if (basis.found) items.push({ kind: 'property', name: LEGAL_BASIS_PROPERTY, status: 'present' });
  else if (isNotFound(basis.answer)) {
    items.push({
      kind: 'property',
      name: LEGAL_BASIS_PROPERTY,
      status: 'missing',
      detail:
        'HubSpot adds it when data privacy is turned on (Settings > Privacy & Consent); leadpipe does not create it',
    });
  } else items.push(failed('property', LEGAL_BASIS_PROPERTY, basis.answer));
  return items;
}

function propertyCreate(definition: PropertyDefinition): PropertyCreate {
  return {
    name: definition.name,
    label: definition.label,
    description: definition.description,
    groupName: definition.groupName,
    type: definition.type as PropertyCreateTypeEnum,
    fieldType: definition.fieldType as PropertyCreateFieldTypeEnum,
    ...(definition.hasUniqueValue ? { hasUniqueValue: true } : {}),
  };
}

function isNotFound(answer: RawAnswer | undefined): boolean {
  return answer?.status === 404;
}

function failed(kind: SetupItem['kind'], name: string, answer: RawAnswer | undefined): SetupItem {
  return {
    kind,
    name,
    status: 'failed',
    detail: answer
      ? describeError(answer.status, parseErrorBody(answer.text))
      : 'HubSpot could not be reached',
  };
}
