// Generated from schemas/ops-alert.event.schema.json by `npm run gen:types`. Do not edit.

/**
 * The `detail` of an ops.alert event: something ops must look at. Carries ids, never personal data.
 */
export type OpsAlert = DeadLetteredAlert | QuarantinedAlert | CredentialsRefusedAlert | SchemaDriftAlert | AlarmAlert;

export interface DeadLetteredAlert {
  suppressed?: SuppressedRepeats;
  kind: 'dead-lettered';
  destination: string;
  leadId: string;
  reason: string;
  attempts: number;
}
/**
 * Alerts like this one (same kind, destination or source, and reason) held back by the repeat cap since the last one went out: this alert stands for them too.
 */
export interface SuppressedRepeats {
  count: number;
  /**
   * When the last alert like it went out.
   */
  since: string;
}
export interface QuarantinedAlert {
  suppressed?: SuppressedRepeats;
  kind: 'quarantined';
  source: string;
  quarantineId: string;
  reason: string;
}
export interface CredentialsRefusedAlert {
  suppressed?: SuppressedRepeats;
  kind: 'credentials-refused';
  destination: string;
  reason: string;
}
export interface SchemaDriftAlert {
  suppressed?: SuppressedRepeats;
  kind: 'schema-drift';
  source: string;
  added: string[];
  removed: string[];
}
/**
 * A CloudWatch alarm of the deployed pipeline changed state (AWS only).
 */
export interface AlarmAlert {
  kind: 'alarm';
  /**
   * The alarm's name.
   */
  alarm: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /**
   * CloudWatch's state reason: metric values only.
   */
  reason: string;
}
