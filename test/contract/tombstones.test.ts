import { createDynamoTombstones } from '../../adapters/aws/tombstones.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedTombstones } from '../../adapters/embedded/tombstones.ts';
import { startTestTable } from '../support/dynamo.ts';
import { tombstoneStoreContract } from './tombstones.contract.ts';

const TABLE = 'leadpipe-contract';

tombstoneStoreContract('embedded (SQLite)', async () => {
  const database = openDatabase();
  return { store: createEmbeddedTombstones(database), end: async () => database.close() };
});

tombstoneStoreContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return { store: createDynamoTombstones(table.client, TABLE), end: () => table.end() };
});
