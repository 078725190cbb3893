import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import {
  EVENT_CONTRACTS,
  type EventContract,
  type JsonSchema,
  registryDocument,
  schemaLoader,
} from './event-contracts.ts';

export interface EventSchemasProps {
  /** Name prefix: the registry is `<prefix>-events`. */
  readonly prefix: string;
  /** The events to register. @default EVENT_CONTRACTS (lead.received, lead.reference and ops.alert) */
  readonly events?: readonly EventContract[];
  /** Where the schemas are read from, by `$id`. @default the project's schemas/ folder */
  readonly load?: (url: string) => JsonSchema;
}

/**
 * An EventBridge schema registry holding one JSON Schema draft-4 schema per event on the bus,
 * generated at synth from the project's JSON Schemas (the ones the functions validate with), so
 * the registry cannot drift from the code. A changed schema deploys as a new registry version.
 */
export class EventSchemas extends Construct {
  readonly registry: CfnRegistry;
  /** By detail-type. */
  readonly schemas: Readonly<Record<string, CfnSchema>>;

  constructor(scope: Construct, id: string, props: EventSchemasProps) {
    super(scope, id);
    const load = props.load ?? schemaLoader();
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: `${props.prefix}-events`,
      description: `leadpipe ${props.prefix}: the events on the ${props.prefix}-bus bus, generated from schemas/`,
    });
    const schemas: Record<string, CfnSchema> = {};
    for (const contract of props.events ?? EVENT_CONTRACTS) {
      const { schema } = registryDocument(contract, load);
      schemas[contract.detailType] = new CfnSchema(this, contract.registryName.replace(/[^A-Za-z0-9]/g, ''), {
        registryName: this.registry.attrRegistryName,
        schemaName: contract.registryName,
        type: 'JSONSchemaDraft4',
        description: `${contract.detailType}: schemas/${contract.file}`,
        content: JSON.stringify(schema),
      });
    }
    this.schemas = schemas;
  }
}
