import { type Environment, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LeadPipeline, type LeadPipelineProps } from './lead-pipeline.ts';

export interface LeadpipeStackProps extends StackProps {
  readonly pipeline: LeadPipelineProps;
}

/** The stack `npm run deploy` deploys: one LeadPipeline. */
export class LeadpipeStack extends Stack {
  readonly pipeline: LeadPipeline;
  constructor(scope: Construct, id: string, props: LeadpipeStackProps) {
    super(scope, id, props);
    this.pipeline = new LeadPipeline(this, 'Pipeline', props.pipeline);
  }
}

/**
 * Where the stack deploys: the account and region of your AWS environment, which the CDK CLI
 * passes as CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION (from AWS_REGION, AWS_DEFAULT_REGION or your
 * profile). Without credentials the CLI still sets CDK_DEFAULT_REGION, to its fallback us-east-1;
 * offline synth then stays region-agnostic (`${AWS::Region}` in the template) instead of pinning
 * that guess into cdk.out, unless AWS_REGION or AWS_DEFAULT_REGION names a region.
 */
export function stackEnvironment(env: Readonly<Record<string, string | undefined>>): Environment | undefined {
  const account = env.CDK_DEFAULT_ACCOUNT || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (account ? env.CDK_DEFAULT_REGION : undefined);
  if (!region) return undefined;
  return account ? { account, region } : { region };
}
