import { CfnOutput, Duration, SecretValue } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { parseSecretRef } from '../adapters/aws/secrets.ts';
import type { TopicRule } from '../functions/routing/rules.ts';
import type { AlertSubscription } from '../schemas/generated/config.ts';
import { DEFAULT_ENV_SECRET_PREFIX } from './secret-refs.ts';

export interface AlarmTopicProps {
  /** Name prefix: the topic is `<prefix>-alarms`. */
  readonly prefix: string;
  /** settings.alerts.notify: who is subscribed. @default none (subscribe out of band, e.g. AWS Chatbot, with the TopicArn output) */
  readonly notify?: readonly AlertSubscription[];
  /** The bus whose alerts about the alerts destination come here. */
  readonly bus: IEventBus;
  /** opsTopicRules, each pattern in the CDK's spelling (lead-pipeline.ts cdkEventPattern). */
  readonly rules: readonly (Omit<TopicRule, 'eventPattern'> & { eventPattern: EventPattern })[];
  /** `env:NAME` means the secret `<envSecretPrefix>NAME`. @default 'leadpipe/' */
  readonly envSecretPrefix?: string;
}

/**
 * The SNS topic alarms go to, so that they reach people without the Slack destination that may be
 * the very thing failing: every CloudWatch alarm's actions, and the EventBridge rules catching
 * alerts about the alerts destination itself. Encrypted with its own KMS key (the AWS managed SNS
 * key's policy cannot let CloudWatch or EventBridge publish), TLS only.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly rules: Rule[];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `leadpipe ${props.prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
    });
    // The publishers of an encrypted topic need the key: CloudWatch (alarm actions) and EventBridge (rules).
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.key.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.topic = new Topic(this, 'Topic', {
      topicName: `${props.prefix}-alarms`,
      displayName: `leadpipe ${props.prefix} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const subscriber of props.notify ?? []) {
      this.topic.addSubscription(
        subscription(subscriber, props.envSecretPrefix ?? DEFAULT_ENV_SECRET_PREFIX),
      );
    }
    this.rules = props.rules.map(
      (rule) =>
        new Rule(this, `Rule${rule.about.replace(/[^A-Za-z0-9]/g, '')}`, {
          ruleName: `${props.prefix}-${rule.name}`,
          eventBus: props.bus,
          description: `leadpipe: ops alerts about ${rule.about}, which cannot go through ${rule.about} itself`,
          eventPattern: rule.eventPattern,
          targets: [new SnsTopic(this.topic)],
        }),
    );
    new CfnOutput(this, 'TopicArn', {
      value: this.topic.topicArn,
      description: 'SNS topic of the alarms (settings.alerts.notify is subscribed to it)',
    });
  }
}

/**
 * One subscriber. An HTTPS endpoint is a secret reference (its URL carries a token): CloudFormation
 * resolves it at deploy, so the URL is in neither the template nor the config.
 */
export function subscription(subscriber: AlertSubscription, envSecretPrefix: string) {
  if ('email' in subscriber) return new EmailSubscription(subscriber.email);
  const ref = subscriber.https.startsWith('env:')
    ? `secretsmanager:${envSecretPrefix}${subscriber.https.slice('env:'.length)}`
    : subscriber.https;
  const parsed = parseSecretRef(ref);
  if (parsed.store !== 'secretsmanager') {
    throw new Error(
      `settings.alerts.notify: ${subscriber.https} must be a secretsmanager: or env: reference`,
    );
  }
  const url = SecretValue.secretsManager(parsed.name, parsed.key ? { jsonField: parsed.key } : {});
  // unsafeUnwrap: a dynamic reference, resolved by CloudFormation at deploy, never a value in the template.
  return new UrlSubscription(url.unsafeUnwrap(), { protocol: SubscriptionProtocol.HTTPS });
}
