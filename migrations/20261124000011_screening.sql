-- Sanctions lists (each import versioned, with its diff against the previous one of its source) and
-- the compliance cases that screening opens for admins (DESIGN.md §4).
create table sanctions_import (
    id           uuid primary key,
    source       text not null,
    version      text not null,
    sha256       text not null,
    entities     int not null,
    names        int not null,
    addresses    int not null,
    diff         jsonb not null,
    imported_by  uuid references app_user (id),
    created_at   timestamptz not null default now(),
    constraint sanctions_import_source_check check (source in ('ofac_sdn', 'open_sanctions', 'custom'))
);
create index sanctions_import_latest_idx on sanctions_import (source, created_at desc);

create table sanctions_entity (
    import_id uuid not null references sanctions_import (id) on delete cascade,
    entity_id text not null,
    data      jsonb not null,
    constraint sanctions_entity_pkey primary key (import_id, entity_id)
);

create table screening_case (
    id              uuid primary key,
    kind            text not null,
    subject         text not null,
    organization_id uuid references organization (id),
    score           double precision not null,
    reasons         jsonb not null,
    evidence        jsonb not null,
    amount          text,
    status          text not null default 'open',
    list_version    text not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint screening_case_kind_check check (kind in ('payment', 'wallet', 'name', 'rescreen')),
    constraint screening_case_status_check check (status in ('open', 'awaiting_second_approval', 'approved', 'rejected', 'blocked', 'info_requested'))
);
-- One open case per subject and kind: screening the same thing again adds to it, not beside it.
create unique index screening_case_open_key on screening_case (kind, subject) where status in ('open', 'awaiting_second_approval', 'info_requested');
create index screening_case_status_idx on screening_case (status, score desc);
create trigger screening_case_updated_at before update on screening_case
    for each row execute function set_updated_at();

create table case_decision (
    id         bigint generated always as identity primary key,
    case_id    uuid not null references screening_case (id),
    admin_id   uuid not null references app_user (id),
    decision   text not null,
    notes      text not null,
    created_at timestamptz not null default now()
);
