import { createSalesforceClients } from '../../salesforce/destination.ts';
import { deployedDeliverHandler } from './deliver-lambda.ts';

/** The Lambda entry point of a Salesforce destination's deliver function: its bundle carries no other vendor's SDK. */
export const handler = deployedDeliverHandler('salesforce', createSalesforceClients);
