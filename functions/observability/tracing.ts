import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * An X-Ray tracer (Powertools). Outside Lambda, or with POWERTOOLS_TRACE_ENABLED=false, every call
 * is a no-op, so the local host and tests run the same code without a daemon.
 */
export function createTracer(serviceName: string): Tracer {
  return new Tracer({ serviceName });
}

/**
 * Runs one invocation in its own `## handler` subsegment of the Lambda's segment (active tracing
 * makes the segment), annotated with cold start and service, and with what `annotate` returns once
 * it is done (e.g. the correlation id, searchable in X-Ray as `annotation.correlation_id`).
 */
export async function traceInvocation<T>(
  tracer: Tracer,
  run: () => Promise<T>,
  annotate: () => Readonly<Record<string, string | undefined>> = () => ({}),
): Promise<T> {
  const segment = tracer.getSegment();
  if (!tracer.isTracingEnabled() || !segment) return run();
  const subsegment = segment.addNewSubsegment('## handler');
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await run();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    for (const [key, value] of Object.entries(annotate())) if (value) tracer.putAnnotation(key, value);
    subsegment.close();
    tracer.setSegment(segment);
  }
}
