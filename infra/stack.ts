import { Stack, type StackProps } from 'aws-cdk-lib';
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
