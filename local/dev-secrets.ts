import { envSecretResolver } from '../functions/config/secrets.ts';
import type { SecretResolver } from '../functions/ports.ts';

/**
 * DEVELOPMENT ONLY. Values for the secret references in the default config, so `npm start` works
 * on a fresh clone. They are public (they are in this file), they only ever reach the local host
 * and the CLI, and both say so when one is used. Set the real variable to override one.
 */
export const DEVELOPMENT_SECRETS: Readonly<Record<string, string>> = {
  // Standard Webhooks secrets are base64 after the whsec_ prefix ("development-only-demo-secret").
  LEADPIPE_DEMO_SECRET: 'whsec_ZGV2ZWxvcG1lbnQtb25seS1kZW1vLXNlY3JldA==',
  TYPEFORM_SECRET: 'development-only-typeform-secret',
  HUBSPOT_ACCESS_TOKEN: 'pat-development-only-token',
  SALESFORCE_CLIENT_ID: 'development-only-client-id',
  SALESFORCE_CLIENT_SECRET: 'development-only-client-secret',
  SLACK_BOT_TOKEN: 'xoxb-development-only-token',
};

/**
 * Resolves env:NAME from the environment first, then from the development secrets, recording
 * which development values were used so the caller can say so.
 */
export function localSecretResolver(env: Readonly<Record<string, string | undefined>> = process.env): {
  resolveSecret: SecretResolver;
  developmentSecretsUsed: Set<string>;
} {
  const fromEnv = envSecretResolver(env);
  const used = new Set<string>();
  return {
    developmentSecretsUsed: used,
    resolveSecret: async (ref) => {
      const name = ref.startsWith('env:') ? ref.slice(4) : undefined;
      if (name && !env[name] && DEVELOPMENT_SECRETS[name]) {
        used.add(name);
        return DEVELOPMENT_SECRETS[name];
      }
      return fromEnv(ref);
    },
  };
}
