import { createHubspotClients } from '../../hubspot/destination.ts';
import { deployedDeliverHandler } from './deliver-lambda.ts';

/** The Lambda entry point of a HubSpot destination's deliver function: its bundle carries no other vendor's SDK. */
export const handler = deployedDeliverHandler('hubspot', createHubspotClients);
