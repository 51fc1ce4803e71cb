-- The webhook de-duplication table holds the ids of provider webhooks already received (KYC and
-- onramp), so a replay is refused: named for that.
alter table provider_event rename to received_webhook;
alter table received_webhook rename constraint provider_event_pkey to received_webhook_pkey;
comment on table received_webhook is 'Provider webhook event ids already received (KYC, onramp): a replay of one is refused.';
comment on column received_webhook.provider is 'The source: a KYC provider''s name, or onramp:<provider>.';
