import { createSlackClients } from '../../adapters/slack/destination.ts';
import { deployedDeliverHandler } from './destination-lambda.ts';

/** The Lambda entry point of a Slack destination's deliver function: its bundle carries no other vendor's SDK. */
export const handler = deployedDeliverHandler('slack', createSlackClients);
