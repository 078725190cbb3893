import { createSalesforceClients } from '../../adapters/salesforce/destination.ts';
import { deployedDeliverHandler } from './destination-lambda.ts';

/** The Lambda entry point of a Salesforce destination's deliver function: its bundle carries no other vendor's SDK. */
export const handler = deployedDeliverHandler('salesforce', createSalesforceClients);
