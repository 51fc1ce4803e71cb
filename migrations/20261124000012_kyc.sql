-- KYC (DESIGN.md §4): sessions with a provider, the organisation's level, and the provider events
-- already applied (replay protection by event id).
create table kyc_session (
    id              uuid primary key,
    organization_id uuid not null references organization (id),
    user_id         uuid not null references app_user (id),
    provider        text not null,
    level           text not null,
    status          text not null default 'pending',
    redirect_url    text not null,
    result          jsonb,
    decided_at      timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint kyc_session_level_check check (level in ('basic', 'enhanced')),
    constraint kyc_session_status_check check (status in ('pending', 'approved', 'rejected', 'retry'))
);
create index kyc_session_organization_idx on kyc_session (organization_id, created_at desc);
create trigger kyc_session_updated_at before update on kyc_session
    for each row execute function set_updated_at();

alter table organization add column kyc_level text not null default 'none';
alter table organization add constraint organization_kyc_level_check check (kyc_level in ('none', 'basic', 'enhanced'));

create table provider_event (
    provider    text not null,
    event_id    text not null,
    received_at timestamptz not null default now(),
    constraint provider_event_pkey primary key (provider, event_id)
);
