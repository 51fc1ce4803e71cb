-- The regulated onramp (DESIGN.md §4 "Two ways to pay" (b)): an order per job; the provider's signed
-- webhook and the on-chain transfer must agree before the operator funds the escrow from the
-- platform's settlement wallet.
create table onramp_order (
    id              uuid primary key,
    organization_id uuid not null references organization (id),
    job_id          uuid not null references job (id),
    provider        text not null,
    fiat_currency   text not null,
    amount          text not null,
    destination     text not null,
    status          text not null default 'created',
    tx_hash         text,
    provider_ref    text,
    detail          jsonb not null default '{}',
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint onramp_order_status_check check (status in ('created', 'paid', 'failed', 'mismatch', 'funding')),
    constraint onramp_order_amount_check check (amount ~ '^[0-9]+$')
);
create unique index onramp_order_live_key on onramp_order (job_id) where status in ('created', 'paid', 'funding');
create trigger onramp_order_updated_at before update on onramp_order
    for each row execute function set_updated_at();

alter table chain_tx drop constraint chain_tx_kind_check;
alter table chain_tx add constraint chain_tx_kind_check check (kind in ('release', 'refund', 'freeze', 'unfreeze', 'anchor', 'fund'));
