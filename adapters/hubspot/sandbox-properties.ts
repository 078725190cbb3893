import type { SandboxRequest, SandboxResponse } from '../sandbox/kit.ts';
import { LEGAL_BASIS_OPTIONS, LEGAL_BASIS_PROPERTY } from './field-defaults.ts';
import type { PropertyDefinition, PropertyGroupDefinition } from './leadpipe-properties.ts';
import { errorResponse } from './sandbox-bodies.ts';

/** A contact property as the sandbox keeps it and the CRM properties API returns it. */
export interface StoredProperty {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: string;
  fieldType: string;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  options: { label: string; value: string; displayOrder: number; hidden: boolean }[];
  createdAt: string;
  updatedAt: string;
}

interface StoredGroup {
  name: string;
  label: string;
  displayOrder: number;
}

const PROPERTY_TYPES: Readonly<Record<string, readonly string[]>> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
};
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;
const OBJECT_TYPES = new Set(['contacts', 'contact', '0-1']);

/** HubSpot's own contact properties that leadpipe reads or writes, as every portal has them. */
function hubspotDefined(at: string): StoredProperty[] {
  const own = (name: string, label: string, type = 'string', fieldType = 'text'): StoredProperty => ({
    name,
    label,
    description: '',
    groupName: 'contactinformation',
    type,
    fieldType,
    hasUniqueValue: false,
    hubspotDefined: true,
    options: [],
    createdAt: at,
    updatedAt: at,
  });
  return [
    own('email', 'Email'),
    own('firstname', 'First Name'),
    own('lastname', 'Last Name'),
    own('phone', 'Phone Number', 'string', 'phonenumber'),
    own('company', 'Company Name'),
    own('message', 'Message', 'string', 'textarea'),
    own('hs_object_id', 'Record ID', 'number', 'number'),
    own('createdate', 'Create Date', 'datetime', 'date'),
    own('lastmodifieddate', 'Last Modified Date', 'datetime', 'date'),
    {
      ...own(LEGAL_BASIS_PROPERTY, "Legal basis for processing contact's data", 'enumeration', 'checkbox'),
      options: LEGAL_BASIS_OPTIONS.map((value, displayOrder) => ({
        label: value,
        value,
        displayOrder,
        hidden: false,
      })),
    },
  ];
}

/** What the portal starts with: HubSpot's groups and properties, plus any given as already set up. */
export interface InstalledProperties {
  groups?: readonly PropertyGroupDefinition[];
  properties?: readonly PropertyDefinition[];
}

/**
 * The portal's contact property definitions and the CRM properties API over them
 * (/crm/v3/properties/{objectType}[/groups]): create, read, list; 409 on a name taken.
 */
export class SandboxProperties {
  private readonly groups = new Map<string, StoredGroup>();
  private readonly properties = new Map<string, StoredProperty>();
  calls = 0;
  private readonly now: () => number;
  private readonly installed: InstalledProperties;

  constructor(now: () => number, installed: InstalledProperties = {}) {
    this.now = now;
    this.installed = installed;
    this.reset();
  }

  reset(): void {
    const at = new Date(this.now()).toISOString();
    this.groups.clear();
    this.properties.clear();
    this.calls = 0;
    this.groups.set('contactinformation', {
      name: 'contactinformation',
      label: 'Contact information',
      displayOrder: 0,
    });
    for (const property of hubspotDefined(at)) this.properties.set(property.name, property);
    for (const group of this.installed.groups ?? []) this.groups.set(group.name, { ...group });
    for (const property of this.installed.properties ?? [])
      this.properties.set(property.name, stored(property, at));
  }

  get(name: string): StoredProperty | undefined {
    return this.properties.get(name);
  }

  /** True for a property a batch call may key contacts by: email, or one with unique values. */
  isIdProperty(name: string): boolean {
    return name === 'email' || this.properties.get(name)?.hasUniqueValue === true;
  }

  uniqueNames(): string[] {
    return [...this.properties.values()]
      .filter((property) => property.hasUniqueValue)
      .map(({ name }) => name);
  }

  /** Registers the routes under `route` (the sandbox's, wrapped in auth and rate limits). */
  routes(): [method: string, path: string, handler: (request: SandboxRequest) => SandboxResponse][] {
    // Group routes first: /groups would otherwise match /{propertyName}.
    return [
      ['GET', '/crm/v3/properties/:objectType/groups', (request) => this.listGroups(request)],
      ['POST', '/crm/v3/properties/:objectType/groups', (request) => this.createGroup(request)],
      ['GET', '/crm/v3/properties/:objectType/groups/:groupName', (request) => this.readGroup(request)],
      ['GET', '/crm/v3/properties/:objectType', (request) => this.list(request)],
      ['POST', '/crm/v3/properties/:objectType', (request) => this.create(request)],
      ['GET', '/crm/v3/properties/:objectType/:propertyName', (request) => this.read(request)],
    ];
  }

  private listGroups(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => ({
      status: 200,
      body: { results: [...this.groups.values()].map(groupBody) },
    }));
  }

  private readGroup(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => {
      const group = this.groups.get(request.params.groupName ?? '');
      if (!group) {
        return errorResponse(
          404,
          'OBJECT_NOT_FOUND',
          `Unable to find property group ${request.params.groupName} for object type 0-1`,
        );
      }
      return { status: 200, body: groupBody(group) };
    });
  }

  private createGroup(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => {
      const body = jsonObject(request.body);
      const name = typeof body?.name === 'string' ? body.name : '';
      const label = typeof body?.label === 'string' ? body.label : '';
      if (!PROPERTY_NAME.test(name) || label === '') {
        return errorResponse(
          400,
          'VALIDATION_ERROR',
          'Invalid input JSON: a property group needs a name (lower case, digits, _) and a label',
        );
      }
      if (this.groups.has(name)) {
        return errorResponse(
          409,
          'OBJECT_ALREADY_EXISTS',
          `A property group named '${name}' already exists.`,
        );
      }
      const group = {
        name,
        label,
        displayOrder: typeof body?.displayOrder === 'number' ? body.displayOrder : -1,
      };
      this.groups.set(name, group);
      return { status: 201, body: groupBody(group) };
    });
  }

  private list(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => ({
      status: 200,
      body: { results: [...this.properties.values()].map(propertyBody) },
    }));
  }

  private read(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => {
      const property = this.properties.get(request.params.propertyName ?? '');
      if (!property) {
        return errorResponse(
          404,
          'OBJECT_NOT_FOUND',
          `Unable to find property ${request.params.propertyName} for object type 0-1`,
        );
      }
      return { status: 200, body: propertyBody(property) };
    });
  }

  private create(request: SandboxRequest): SandboxResponse {
    return this.forContacts(request, () => {
      const body = jsonObject(request.body);
      const problem = definitionProblem(body, this.groups);
      if (problem) return errorResponse(400, 'VALIDATION_ERROR', problem);
      const definition = body as unknown as PropertyDefinition;
      if (this.properties.has(definition.name)) {
        return errorResponse(
          409,
          'OBJECT_ALREADY_EXISTS',
          `Property named '${definition.name}' already exists.`,
        );
      }
      const property = stored(definition, new Date(this.now()).toISOString());
      this.properties.set(property.name, property);
      return { status: 201, body: propertyBody(property) };
    });
  }

  private forContacts(request: SandboxRequest, handle: () => SandboxResponse): SandboxResponse {
    this.calls++;
    const objectType = request.params.objectType ?? '';
    if (!OBJECT_TYPES.has(objectType)) {
      return errorResponse(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${objectType}`);
    }
    return handle();
  }
}

function definitionProblem(
  body: Record<string, unknown> | undefined,
  groups: ReadonlyMap<string, StoredGroup>,
): string | undefined {
  if (!body) return 'Invalid input JSON: the body must be a property definition object';
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter(
    (field) => typeof body[field] !== 'string' || body[field] === '',
  );
  if (missing.length > 0) return `Invalid input JSON: missing required field(s) ${missing.join(', ')}`;
  const { name, type, fieldType, groupName } = body as Record<string, string>;
  if (!PROPERTY_NAME.test(name as string))
    return `Property name '${name}' is invalid: use lower case letters, digits and _`;
  const fieldTypes = PROPERTY_TYPES[type as string];
  if (!fieldTypes) return `Invalid type '${type}'`;
  if (!fieldTypes.includes(fieldType as string))
    return `fieldType '${fieldType}' is not valid for type '${type}'`;
  if (!groups.has(groupName as string)) return `Property group '${groupName}' does not exist`;
  return undefined;
}

function stored(definition: PropertyDefinition, at: string): StoredProperty {
  return {
    name: definition.name,
    label: definition.label,
    description: definition.description ?? '',
    groupName: definition.groupName,
    type: definition.type,
    fieldType: definition.fieldType,
    hasUniqueValue: definition.hasUniqueValue === true,
    hubspotDefined: false,
    options: [],
    createdAt: at,
    updatedAt: at,
  };
}

function propertyBody(property: StoredProperty) {
  return {
    ...property,
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    formField: false,
    hidden: false,
    archived: false,
    modificationMetadata: {
      archivable: !property.hubspotDefined,
      readOnlyDefinition: property.hubspotDefined,
      readOnlyValue: ['hs_object_id', 'createdate', 'lastmodifieddate'].includes(property.name),
    },
  };
}

function groupBody(group: StoredGroup) {
  return { ...group, archived: false };
}

function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
