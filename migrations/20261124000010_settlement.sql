-- Settlement on chain (DESIGN.md §4): the signed quote of each job's payment, every escrow event
-- seen (once), the watcher's cursor, the operator's transactions (once per job and kind), and the
-- reconciler's alerts.
create table payment (
    job_id          uuid primary key references job (id),
    organization_id uuid not null references organization (id),
    job_ref         text not null,
    quote_id        text not null,
    chain_id        bigint not null,
    escrow_address  text not null,
    token_address   text not null,
    buyer_address   text not null,
    amount          text not null,
    payees          jsonb not null,
    deadline        timestamptz not null,
    typed_data      jsonb not null,
    signature       text not null,
    status          text not null default 'awaiting',
    payer_address   text,
    funded_tx       text,
    funded_block    bigint,
    flags           jsonb not null default '[]',
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint payment_job_ref_key unique (chain_id, job_ref),
    constraint payment_quote_id_key unique (quote_id),
    constraint payment_status_check check (status in ('awaiting', 'confirming', 'review', 'cleared', 'blocked', 'frozen', 'released', 'refunded')),
    constraint payment_amount_check check (amount ~ '^[0-9]+$')
);
create trigger payment_updated_at before update on payment
    for each row execute function set_updated_at();

create table chain_event (
    id           bigint generated always as identity primary key,
    chain_id     bigint not null,
    tx_hash      text not null,
    log_index    bigint not null,
    block_number bigint not null,
    block_hash   text not null,
    contract     text not null,
    event        text not null,
    job_ref      text,
    data         jsonb not null,
    -- seen (not yet deep enough), applied (its effect is in our tables), removed (reorged away).
    status       text not null default 'seen',
    seen_at      timestamptz not null default now(),
    applied_at   timestamptz,
    constraint chain_event_key unique (chain_id, tx_hash, log_index),
    constraint chain_event_status_check check (status in ('seen', 'applied', 'removed'))
);
create index chain_event_pending_idx on chain_event (chain_id, block_number) where status = 'seen';
create index chain_event_job_ref_idx on chain_event (job_ref);

create table chain_cursor (
    name         text primary key,
    chain_id     bigint not null,
    block_number bigint not null,
    updated_at   timestamptz not null default now()
);

-- One row per operator action and subject: a release or refund is never sent twice for one job.
create table chain_tx (
    id          uuid primary key,
    kind        text not null,
    subject     text not null,
    args        jsonb not null default '{}',
    status      text not null default 'pending',
    tx_hash     text,
    block_number bigint,
    attempts    int not null default 0,
    last_error  text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint chain_tx_kind_subject_key unique (kind, subject),
    constraint chain_tx_kind_check check (kind in ('release', 'refund', 'freeze', 'unfreeze', 'anchor')),
    constraint chain_tx_status_check check (status in ('pending', 'sent', 'mined', 'failed'))
);
create trigger chain_tx_updated_at before update on chain_tx
    for each row execute function set_updated_at();

create table chain_alert (
    id          bigint generated always as identity primary key,
    kind        text not null,
    subject     text not null,
    detail      jsonb not null,
    created_at  timestamptz not null default now(),
    resolved_at timestamptz
);
create unique index chain_alert_open_key on chain_alert (kind, subject) where resolved_at is null;
