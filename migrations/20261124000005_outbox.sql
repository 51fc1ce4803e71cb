-- Transactional outbox: side effects (mail first) are written with the change that causes them
-- and delivered by a background task with retries.
create table outbox (
    id               uuid primary key,
    kind             text not null,
    payload          jsonb not null,
    status           text not null default 'pending',
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    constraint outbox_status_check check (status in ('pending', 'delivered', 'dead')),
    constraint outbox_kind_check check (kind in ('email'))
);
create index outbox_due_idx on outbox (next_attempt_at) where status = 'pending';
create trigger outbox_updated_at before update on outbox
    for each row execute function set_updated_at();
