import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkAwsConfig } from '../../infra/aws-config.ts';
import { HANDSHAKE_RATE_LIMIT, webhookRoutes } from '../../infra/lead-pipeline.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { EXAMPLE_CONFIG_FILE, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

/**
 * The example config with a settings default, one source allowed more, and a Meta source (which
 * needs the GET handshake route): what API Gateway enforces must be what the config says.
 */
function throttledConfig(): LeadpipeConfig {
  const data = parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
  data.settings.rateLimitPerSource = { ratePerSecond: 5, burst: 10 };
  data.sources.typeform.rateLimit = { ratePerSecond: 200, burst: 400 };
  data.sources.meta = {
    verify: {
      scheme: 'meta',
      secrets: ['secretsmanager:leadpipe/meta-app-secret'],
      verifyToken: 'secretsmanager:leadpipe/meta-verify-token',
    },
    mapping: { preset: 'meta' },
  };
  return checkAwsConfig(stringify(data), 'throttled.yaml');
}

type Resources = ReturnType<typeof resourcesOf>;
let synth: Synthesized;
let routes: Resources;
let stage: { Properties?: Record<string, unknown>; DependsOn?: string[] } | undefined;

beforeAll(() => {
  // Prepare: one synth, shared by the read-only assertions below.
  synth = synthPipeline(throttledConfig());
  routes = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route');
  [stage] = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Stage'));
});

describe('ingest throttling in API Gateway', () => {
  it('has one route per source (and the GET handshake for Meta only), so no source shares a limit', () => {
    // Assess
    expect(
      Object.values(routes)
        .map((route) => route.Properties?.RouteKey)
        .sort(),
    ).toEqual([
      'GET /webhooks/meta',
      'POST /webhooks/demo',
      'POST /webhooks/meta',
      'POST /webhooks/typeform',
    ]);
  });

  it("holds each route to its source's own limit, else settings.rateLimitPerSource", () => {
    // Assess
    expect(stage?.Properties?.RouteSettings).toEqual({
      'POST /webhooks/demo': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'POST /webhooks/typeform': { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      'POST /webhooks/meta': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'GET /webhooks/meta': {
        ThrottlingRateLimit: HANDSHAKE_RATE_LIMIT.ratePerSecond,
        ThrottlingBurstLimit: HANDSHAKE_RATE_LIMIT.burst,
      },
    });
    // A route added to the API later gets the per-source default.
    expect(stage?.Properties?.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
  });

  it('creates the stage after its routes (CloudFormation refuses settings for a missing route key)', () => {
    // Assess
    const dependsOn = stage?.DependsOn ?? [];
    expect(Object.keys(routes).every((routeId) => dependsOn.includes(routeId))).toBe(true);
  });

  it('lets API Gateway invoke the ingest function from every route, and only those', () => {
    // Assess
    const permissions = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Permission')).filter(
      (permission) => permission.Properties?.Principal === 'apigateway.amazonaws.com',
    );
    const paths = permissions.map((permission) => JSON.stringify(permission.Properties?.SourceArn));
    expect(paths).toHaveLength(4);
    for (const path of ['/webhooks/demo', '/webhooks/typeform', '/webhooks/meta'])
      expect(paths.some((arn) => arn.includes(path))).toBe(true);
  });
});

describe('webhookRoutes', () => {
  it('uses the built-in default when the config sets no limit', () => {
    // Prepare
    const source = { verify: { scheme: 'none' as const }, mapping: { preset: 'generic' as const } };

    // Act
    const routes = webhookRoutes({ sources: { form: source }, destinations: {} });

    // Assess
    expect(routes).toEqual([
      { source: 'form', method: 'POST', path: '/webhooks/form', limit: { ratePerSecond: 50, burst: 100 } },
    ]);
  });
});
