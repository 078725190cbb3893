import { createShapeStore } from '../../adapters/aws/shape-store.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedShapeStore } from '../../adapters/embedded/shape-store.ts';
import { startTestTable } from '../support/dynamo.ts';
import { shapeStoreContract } from './shape-store.contract.ts';

const TABLE = 'leadpipe-contract';

shapeStoreContract('embedded (SQLite)', async () => {
  const database = openDatabase();
  return { store: createEmbeddedShapeStore(database), end: async () => database.close() };
});

shapeStoreContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return { store: createShapeStore(table.client, TABLE), end: () => table.end() };
});
