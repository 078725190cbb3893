import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { checkAwsConfig } from '../../infra/aws-config.ts';
import { LeadPipeline, type LeadPipelineProps } from '../../infra/lead-pipeline.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';

export const EXAMPLE_CONFIG_FILE = join(import.meta.dirname, '../../infra/example.config.yaml');

/** The example config, checked as synth checks it. */
export function exampleConfig(): LeadpipeConfig {
  return checkAwsConfig(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'), EXAMPLE_CONFIG_FILE);
}

export interface Synthesized {
  template: Template;
  annotations: Annotations;
  pipeline: LeadPipeline;
  stack: Stack;
}

/**
 * Synthesizes a stack with one LeadPipeline, cdk-nag's AwsSolutions pack applied and bundling
 * skipped (the bundles are measured by bench:bundle); the app's temp directory is removed.
 */
export function synthPipeline(config: LeadpipeConfig, props: Partial<LeadPipelineProps> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'leadpipe-cdk-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
    const pipeline = new LeadPipeline(stack, 'Pipeline', { config, ...props });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const template = Template.fromStack(stack);
    return { template, annotations: Annotations.fromStack(stack), pipeline, stack };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** A construct's logical id in its stack's template. */
export const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** A policy resource as readable text: `Table.Arn`, or the joined ARN with `${Ref}` placeholders. */
export function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const value = resource as Record<string, unknown>;
  if ('Fn::GetAtt' in value) return (value['Fn::GetAtt'] as string[]).join('.');
  if ('Ref' in value) return `\${${value.Ref}}`;
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(resource);
}

/** The statement active tracing adds to every function's role. */
export const TRACE_WRITES = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const isTraceWrite = (statement: { Action: string | string[] }) =>
  JSON.stringify([statement.Action].flat().sort()) === JSON.stringify(TRACE_WRITES);

export interface RoleStatement {
  effect: string;
  actions: string[];
  /** Each resource rendered (render). */
  resources: string[];
  condition?: unknown;
}

/** Every statement of the function's role but X-Ray's trace writes (on "*": iam.test.ts checks them). */
export function roleStatements(template: Template, fn: LambdaFunction): RoleStatement[] {
  const roleId = logicalId(fn.role as IConstruct);
  const policies = resourcesOf(template, 'AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((policy) => {
      const document = policy.Properties?.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown }[];
      };
      return document.Statement.filter((statement) => !isTraceWrite(statement)).map((statement) => ({
        effect: statement.Effect,
        actions: [statement.Action].flat(),
        resources: [statement.Resource].flat().map(render),
        ...(statement.Condition ? { condition: statement.Condition } : {}),
      }));
    });
}

/** Every (action, resource) the function's role is granted, one row per resource. */
export function grantsOfRole(
  template: Template,
  fn: LambdaFunction,
): { actions: string[]; resource: string; condition?: unknown }[] {
  return roleStatements(template, fn).flatMap((statement) => {
    if (statement.effect !== 'Allow')
      throw new Error(`A ${statement.effect} statement: only Allow is expected`);
    return statement.resources.map((resource) => ({
      actions: statement.actions,
      resource,
      ...(statement.condition ? { condition: statement.condition } : {}),
    }));
  });
}
