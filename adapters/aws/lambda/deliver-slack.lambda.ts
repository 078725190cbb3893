import { createSlackClients } from '../../slack/destination.ts';
import { deployedDeliverHandler } from './deliver-lambda.ts';

/** The Lambda entry point of a Slack destination's deliver function: its bundle carries no other vendor's SDK. */
export const handler = deployedDeliverHandler('slack', createSlackClients);
