import { describe, expect, it } from 'vitest';
import type { CallResult, RestRequest } from '../../../../adapters/salesforce/caller.ts';
import { DEFAULT_FIELD_POLICY } from '../../../../adapters/salesforce/field-defaults.ts';
import {
  CONVERTED_WITHOUT_CONTACT_REASON,
  deliverPersons,
} from '../../../../adapters/salesforce/person-flow.ts';
import type { Outcome } from '../../../../functions/ports.ts';
import { buildLead } from './lead-factory.ts';

const PERSON = `person_${'f'.repeat(32)}`;
const SESSION = { accessToken: 't', instanceUrl: 'https://acme.my.salesforce.com' };

describe('deliverPersons', () => {
  it('rejects, without a write, a lead whose converted Lead has no Contact', async () => {
    // Prepare: an org answer no sandbox step makes (the Contact was deleted after conversion)
    const requests: RestRequest[] = [];
    const call = async (request: RestRequest): Promise<CallResult> => {
      requests.push(request);
      return {
        ok: true,
        session: SESSION,
        body: {
          done: true,
          totalSize: 1,
          records: [
            {
              Id: '00QS00000000001MAA',
              Leadpipe_Person_Id__c: PERSON,
              IsConverted: true,
              ConvertedContactId: null,
              ConvertedContact: null,
            },
          ],
        },
      };
    };
    const outcomes = new Map<string, Outcome>();
    const lead = buildLead({ personId: PERSON });
    const mapping = {
      object: 'Lead',
      personIdField: 'Leadpipe_Person_Id__c',
      keyField: 'Email_Key__c',
      fields: {},
      placeholders: {},
      policy: DEFAULT_FIELD_POLICY,
    };

    // Act
    const stop = await deliverPersons([lead], { call, apiVersion: '62.0', mapping }, outcomes, undefined);

    // Assess
    expect(stop).toBeUndefined();
    expect(outcomes.get(lead.id)).toEqual({ status: 'rejected', reason: CONVERTED_WITHOUT_CONTACT_REASON });
    expect(requests.map((request) => request.method)).toEqual(['GET']);
  });
});
