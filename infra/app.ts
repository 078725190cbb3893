// The CDK app behind `npm run synth` and `npm run deploy` (cdk.json runs it with Node 24).
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/config/errors.ts';
import { readAwsConfig } from './aws-config.ts';
import { LeadpipeStack, stackEnvironment } from './stack.ts';

/** Which config to deploy: LEADPIPE_CONFIG, else the cdk.json context `leadpipe:config`. */
function configPath(app: App, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromContext = app.node.tryGetContext('leadpipe:config');
  return env.LEADPIPE_CONFIG || (typeof fromContext === 'string' ? fromContext : 'leadpipe.config.yaml');
}

const app = new App();
const file = configPath(app);
try {
  const config = readAwsConfig(file);
  const prefix = app.node.tryGetContext('leadpipe:prefix');
  new LeadpipeStack(app, app.node.tryGetContext('leadpipe:stack') ?? 'Leadpipe', {
    description: 'leadpipe: signed webhooks into CRM leads and Slack alerts',
    pipeline: { config, configFile: file, ...(typeof prefix === 'string' ? { prefix } : {}) },
    env: stackEnvironment(process.env),
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Every problem, once, and no stack trace: the fix is in the config file, not the code.
  console.error(error.message);
  process.exit(1);
}
