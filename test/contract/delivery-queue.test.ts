import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, destroyAwsClients } from '../../adapters/aws/clients.ts';
import { createSqsDeliveryQueue } from '../../adapters/aws/delivery-queue.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedQueues } from '../../adapters/embedded/queues.ts';
import { ensureDestinationQueues, startSqs } from '../support/sqs-peer.ts';
import { deliveryQueueContract } from './delivery-queue.contract.ts';

const DESTINATION = 'hubspot';
/** The deliver engine's attempts; both queues' redrive policies allow one receive more (the backstop). */
const MAX_ATTEMPTS = 2;
const MAX_RECEIVE_COUNT = MAX_ATTEMPTS + 1;

deliveryQueueContract(
  'embedded (SQLite)',
  async () => {
    const database = openDatabase();
    const queues = createEmbeddedQueues(database);
    queues.ensure(DESTINATION, { maxReceiveCount: MAX_RECEIVE_COUNT });
    return {
      queue: queues.deliveryQueue(DESTINATION),
      send: async (bodies) => queues.send(DESTINATION, bodies),
      end: async () => database.close(),
    };
  },
  { maxReceiveCount: MAX_RECEIVE_COUNT, supportsNonBmp: true, reportsOldestSentAt: true },
);

deliveryQueueContract(
  'SQS on fauxqs',
  async () => {
    const server = await startSqs({});
    const clients = createAwsClients({ sqs: server.endpoint });
    const { queueUrl, deadLetterQueueUrl } = await ensureDestinationQueues(clients.sqs, DESTINATION, {
      maxAttempts: MAX_ATTEMPTS,
      visibilityTimeoutSeconds: 30,
    });
    return {
      queue: createSqsDeliveryQueue({
        sqs: clients.sqs,
        destination: DESTINATION,
        queueUrl,
        deadLetterQueueUrl,
      }),
      send: async (bodies) => {
        for (const body of bodies) {
          await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        }
      },
      end: async () => {
        destroyAwsClients(clients);
        await server.end();
      },
    };
  },
  // fauxqs refuses bodies outside the BMP, which real SQS takes: the contract asserts the refusal.
  // SQS's depth has no age of the oldest message (that is CloudWatch's ApproximateAgeOfOldestMessage).
  { maxReceiveCount: MAX_RECEIVE_COUNT, supportsNonBmp: false, reportsOldestSentAt: false },
);
