// `npm run bench:bundle`: builds each Lambda exactly as the LeadPipeline construct does, prints its
// bundle size, then loads it in a fresh Node process and times the cold import and the first
// invocation against local peers (dynalite, a fake Secrets Manager / EventBridge, the vendor
// sandboxes). Goals: ingest ≤ 250 KB and ≤ 150 ms cold init.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { ENVIRONMENT } from '../adapters/aws/lambda/environment.ts';
import { createHubspotSandbox } from '../adapters/hubspot/sandbox.ts';
import { createSalesforceSandbox } from '../adapters/salesforce/sandbox.ts';
import { createSlackSandbox } from '../adapters/slack/sandbox.ts';
import { readAwsConfig } from '../infra/aws-config.ts';
import {
  bundleSettings,
  deliverFunctionKind,
  ENTRIES,
  type FunctionKind,
  PROJECT_ROOT,
} from '../infra/bundling.ts';
import { deliverConfig, ingestConfig } from '../infra/function-config.ts';
import { withAwsSecretRefs } from '../infra/secret-refs.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { startDynamo } from '../test/support/dynalite.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TABLE = 'leadpipe-bench';
const SIGNING_KEY = randomBytes(24);
const SIGNING_SECRET = `whsec_${SIGNING_KEY.toString('base64')}`;

/** Secrets Manager and EventBridge, just enough for a first invocation: every secret has one value. */
function startFakeAws(): Promise<{ url: string; close(): void }> {
  const secretValue = (name: string) =>
    name.includes('demo')
      ? SIGNING_SECRET
      : JSON.stringify({ accessToken: 'bench-token', clientId: 'bench-id', clientSecret: 'bench-secret' });
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    const target = String(req.headers['x-amz-target'] ?? '');
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    if (target.endsWith('GetSecretValue')) {
      const name = String(body.SecretId);
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:eu-west-1:0:secret:${name}`,
          Name: name,
          SecretString: secretValue(name),
        }),
      );
    } else if (target.endsWith('PutEvents')) {
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: body.Entries.map(() => ({ EventId: 'e' })) }));
    } else if (target.endsWith('GetParameter')) {
      res.end(JSON.stringify({ Parameter: { Name: body.Name, Type: 'SecureString', Value: 'xoxb-bench' } }));
    } else {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => server.close(),
      }),
    ),
  );
}

function signedWebhook(): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    score: 80,
  });
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', SIGNING_KEY).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signature}`,
    },
    body,
  };
}

function apiEvent() {
  const { headers, body } = signedWebhook();
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: '/webhooks/demo',
    rawQueryString: '',
    headers: {
      ...headers,
      host: 'bench.execute-api.eu-west-1.amazonaws.com',
      'content-length': String(body.length),
    },
    requestContext: {
      accountId: '111122223333',
      apiId: 'bench',
      domainName: 'bench.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/webhooks/demo',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'bench',
      },
      requestId: 'bench-request',
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    pathParameters: { source: 'demo' },
    body,
    isBase64Encoded: false,
  };
}

/** A lead.received batch exactly as the SQS event source delivers it (the deliver tests' fixture). */
const sqsEvent = () =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/events/sqs/lead-received.json'), 'utf8'));

const alarmEvent = () => ({
  source: 'aws.cloudwatch',
  alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:leadpipe-hubspot-dlq-not-empty',
  accountId: '111122223333',
  time: new Date().toISOString(),
  region: 'eu-west-1',
  alarmData: {
    alarmName: 'leadpipe-hubspot-dlq-not-empty',
    state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: new Date().toISOString() },
    previousState: { value: 'OK', reason: 'ok', timestamp: new Date().toISOString() },
    configuration: { metrics: [] },
  },
});

/** Runs in the fresh process: times `import` and the first call, prints one JSON line. */
const DRIVER = `
const [bundle, eventJson] = process.argv.slice(2);
const t0 = performance.now();
const { handler } = await import(bundle);
const t1 = performance.now();
const result = await handler(JSON.parse(eventJson), { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 10000 });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, status: result?.statusCode ?? (result?.batchItemFailures ? 'failures:' + result.batchItemFailures.length : 'ok') }));
`;

interface Target {
  name: string;
  kind: FunctionKind;
  config: LeadpipeConfig;
  env: Record<string, string>;
  event: () => unknown;
}

/** The construct's settings in esbuild's API spelling. */
function esbuildOptions(settings: ReturnType<typeof bundleSettings>) {
  const { banner, ...rest } = settings;
  return { ...rest, banner: { js: banner } };
}

/** The package (or project folder) a bundle input belongs to. */
function owner(input: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (pkg?.[1]) return pkg[1];
  return input.startsWith('<') ? 'config' : input.split('/').slice(0, 2).join('/');
}

/** A bundle's bytes by package or folder, from esbuild's metafile: where a size goal stands or falls. */
function breakdown(metafile: Metafile, top = 10): string {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const key = owner(input);
    bytes.set(key, (bytes.get(key) ?? 0) + bytesInOutput);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, size]) => `${key} ${(size / 1024).toFixed(1)}`)
    .join(', ');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const exampleFile = join(PROJECT_ROOT, 'infra/example.config.yaml');
  const config = withAwsSecretRefs(readAwsConfig(process.env.LEADPIPE_CONFIG ?? exampleFile));
  const work = await mkdtemp(join(tmpdir(), 'leadpipe-bench-'));
  const dynamo = await startDynamo({ tableName: TABLE });
  const aws = await startFakeAws();
  const sandboxes = {
    hubspot: await createHubspotSandbox().listen(0),
    salesforce: await createSalesforceSandbox().listen(0),
    // One post per run lands at once: let the channel burst cover them all.
    slack: await createSlackSandbox({ perChannelBurst: RUNS }).listen(0),
  };
  try {
    // The vendors' real APIs become their sandboxes: the first call is real HTTP, just not to the internet.
    const local = structuredClone(config);
    for (const destination of Object.values(local.destinations)) {
      if (destination.type === 'hubspot') destination.baseUrl = sandboxes.hubspot.url;
      if (destination.type === 'slack') destination.baseUrl = `${sandboxes.slack.url}/`;
      if (destination.type === 'salesforce' && !('accessToken' in destination.auth))
        destination.auth.loginUrl = sandboxes.salesforce.url;
    }
    const common = {
      [ENVIRONMENT.pipeline]: 'leadpipe',
      [ENVIRONMENT.busName]: 'leadpipe-bus',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_ENDPOINT_URL_SSM: aws.url,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const targets: Target[] = [
      {
        name: 'ingest',
        kind: 'ingest',
        config: ingestConfig(local),
        env: { ...common, [ENVIRONMENT.tableName]: TABLE },
        event: apiEvent,
      },
      ...Object.entries(local.destinations).map(([name, destination]) => ({
        name: `deliver-${name}`,
        kind: deliverFunctionKind(destination.type),
        config: deliverConfig(local, name),
        env: {
          ...common,
          [ENVIRONMENT.destination]: name,
          [ENVIRONMENT.queueUrl]: 'http://127.0.0.1:1/queue',
          [ENVIRONMENT.deadLetterQueueUrl]: 'http://127.0.0.1:1/dlq',
        },
        event: sqsEvent,
      })),
      {
        name: 'alarm',
        kind: 'alarm',
        config: { sources: {}, destinations: {} },
        env: common,
        event: alarmEvent,
      },
    ];
    // The Lambda runtime provides AWS SDK v3 to the bundle; here the project's node_modules stands in.
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const driver = join(work, 'driver.mjs');
    await writeFile(driver, DRIVER);
    const run = promisify(execFile);
    const rows: string[][] = [];
    const breakdowns: string[] = [];
    for (const target of targets) {
      const outfile = join(work, target.name, 'index.mjs');
      const { metafile } = await build({
        entryPoints: [join(PROJECT_ROOT, ENTRIES[target.kind])],
        bundle: true,
        outfile,
        logLevel: 'error',
        metafile: true,
        ...esbuildOptions(bundleSettings(target.config)),
      });
      const bytes = (await stat(outfile)).size;
      breakdowns.push(`${target.name}: ${breakdown(metafile)}`);
      const imports: number[] = [];
      const invokes: number[] = [];
      let status = '';
      for (let i = 0; i < RUNS; i++) {
        const { stdout } = await run(process.execPath, [driver, outfile, JSON.stringify(target.event())], {
          env: { PATH: process.env.PATH ?? '', ...target.env },
          cwd: work,
        });
        const line = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
        imports.push(line.importMs);
        invokes.push(line.invokeMs);
        status = String(line.status);
      }
      const importMs = median(imports);
      const invokeMs = median(invokes);
      rows.push([
        target.name,
        `${(bytes / 1024).toFixed(0)} KB`,
        `${importMs.toFixed(0)} ms`,
        `${invokeMs.toFixed(0)} ms`,
        `${(importMs + invokeMs).toFixed(0)} ms`,
        status,
      ]);
    }
    const header = ['function', 'bundle', 'cold import', 'first invocation', 'total', 'answer'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) =>
      `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    console.log(`Node ${process.version}, ${RUNS} fresh processes per function, medians:\n`);
    console.log(line(header));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const row of rows) console.log(line(row));
    console.log(`\nWhat the bundles are made of (minified KB, largest first):\n`);
    for (const text of breakdowns) console.log(text);
  } finally {
    for (const sandbox of Object.values(sandboxes)) await sandbox.close();
    aws.close();
    await dynamo.end();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
