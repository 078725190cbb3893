import { createQuarantineStore } from '../../adapters/aws/quarantine-store.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedQuarantineStore } from '../../adapters/embedded/quarantine-store.ts';
import { startTestTable } from '../support/dynamo.ts';
import { quarantineStoreContract } from './quarantine-store.contract.ts';

const TABLE = 'leadpipe-contract';

quarantineStoreContract('embedded (SQLite)', async () => {
  const database = openDatabase();
  return { store: createEmbeddedQuarantineStore(database), end: async () => database.close() };
});

quarantineStoreContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return { store: createQuarantineStore(table.client, TABLE), end: () => table.end() };
});
