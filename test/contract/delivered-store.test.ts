import { createDeliveredStore } from '../../adapters/aws/delivered-store.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedDeliveredStore } from '../../adapters/embedded/delivered-store.ts';
import { startTestTable } from '../support/dynamo.ts';
import { deliveredStoreContract } from './delivered-store.contract.ts';

const TABLE = 'leadpipe-contract';

deliveredStoreContract('embedded (SQLite)', async () => {
  const database = openDatabase();
  return { store: createEmbeddedDeliveredStore(database), end: async () => database.close() };
});

deliveredStoreContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return { store: createDeliveredStore(table.client, TABLE), end: () => table.end() };
});
