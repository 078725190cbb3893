import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
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
