// Generated from schemas/lead.schema.json, schemas/lead-received.event.schema.json, schemas/lead-reference.event.schema.json, schemas/ops-alert.event.schema.json, schemas/ledger-event.schema.json by `npm run gen:types`. Do not edit.
import type { ErrorObject } from 'ajv';
import type { Lead } from './lead.ts';
import type { LeadReceivedEvent } from './lead-received-event.ts';
import type { LeadReferenceEvent } from './lead-reference-event.ts';
import type { OpsAlert } from './ops-alert-event.ts';
import type { LedgerEvent } from './ledger-event.ts';

/** A validator compiled at build time: after a call, `errors` lists the problems (null when valid). */
export interface PrecompiledValidator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

export declare const validateLead: PrecompiledValidator<Lead>;
export declare const validateLeadReceived: PrecompiledValidator<LeadReceivedEvent>;
export declare const validateLeadReference: PrecompiledValidator<LeadReferenceEvent>;
export declare const validateOpsAlert: PrecompiledValidator<OpsAlert>;
export declare const validateLedgerEvent: PrecompiledValidator<LedgerEvent>;
