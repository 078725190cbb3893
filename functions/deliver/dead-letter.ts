/** Message attributes a dead-lettered lead carries, so `leadpipe dlq show` can say why it is there. */
export const DLQ_ATTRIBUTES = {
  reason: 'leadpipe-reason',
  destination: 'leadpipe-destination',
  attempts: 'leadpipe-attempts',
  leadId: 'leadpipe-lead-id',
  failedAt: 'leadpipe-failed-at',
} as const;
