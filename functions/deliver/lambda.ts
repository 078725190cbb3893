import type { DestinationClientsFactory } from '../../adapters/destination-clients.ts';
import { createDestinationClients } from '../../adapters/index.ts';
import {
  createDeliverLambda as createVendorDeliverLambda,
  type DeliverLambda,
  type DeliverLambdaOptions as VendorDeliverLambdaOptions,
} from './destination-lambda.ts';

export { type DeliverLambda, DestinationTypeError, UnknownDestinationError } from './destination-lambda.ts';

export type DeliverLambdaOptions = Omit<VendorDeliverLambdaOptions, 'clients'> & {
  /** Builds the destination's adapter; default: createDestinationClients (every vendor). */
  clients?: DestinationClientsFactory;
};

/**
 * A deliver function for a destination of any type: the deployed engine with every vendor's
 * factory, for tests and embedders who do not care about bundle size. The deployed functions use
 * one entry per vendor instead (functions/deliver/<vendor>.lambda.ts, chosen by infra/bundling.ts),
 * so each bundle carries only its own vendor's SDK.
 */
export function createDeliverLambda(options: DeliverLambdaOptions): DeliverLambda {
  return createVendorDeliverLambda({ ...options, clients: options.clients ?? createDestinationClients });
}
