-- Shared audit pools (seed 002 §VI.D–VII; DESIGN.md §7): sector pools that SME organisations join,
-- their auditors, the audit tasks that gate a job's dispatch, each pool's library of findings, and
-- the safe-harbour certificates earned by taking part.

create table audit_pool (
    id          uuid primary key,
    name        text not null,
    sector      text not null,
    description text not null,
    created_by  uuid not null references app_user (id),
    created_at  timestamptz not null default now(),
    constraint audit_pool_name_key unique (name)
);

-- A membership; `ended_at` is set when the organisation leaves. A membership also lapses when its
-- term (pools policy) runs out without renewal (`renewed_at` restarts the term).
create table audit_pool_member (
    id              bigserial primary key,
    pool_id         uuid not null references audit_pool (id),
    organization_id uuid not null references organization (id),
    joined_by       uuid not null references app_user (id),
    joined_at       timestamptz not null default now(),
    renewed_at      timestamptz not null default now(),
    ended_at        timestamptz
);
-- An organisation is in one pool at a time.
create unique index audit_pool_member_one_pool on audit_pool_member (organization_id) where ended_at is null;
create index audit_pool_member_pool_idx on audit_pool_member (pool_id) where ended_at is null;

create table audit_pool_auditor (
    pool_id  uuid not null references audit_pool (id),
    user_id  uuid not null references app_user (id),
    added_by uuid not null references app_user (id),
    added_at timestamptz not null default now(),
    constraint audit_pool_auditor_pkey primary key (pool_id, user_id)
);

-- The pool a job's review goes to, fixed when the job is created and priced (null: the platform's
-- own review at the non-pooled fee).
alter table job add column audit_pool_id uuid references audit_pool (id);

-- One task per round of review: a request for changes closes a round, a resubmission opens the next.
create table audit_task (
    id            uuid primary key,
    job_id        uuid not null references job (id) on delete cascade,
    pool_id       uuid not null references audit_pool (id),
    round         int not null,
    status        text not null default 'open',
    claimed_by    uuid references app_user (id),
    claimed_at    timestamptz,
    decided_at    timestamptz,
    notes         text,
    -- [{id, title, severity, detail, library_id}]
    findings      jsonb not null default '[]',
    created_at    timestamptz not null default now(),
    constraint audit_task_round_key unique (job_id, round),
    constraint audit_task_status_check check (status in ('open', 'claimed', 'approved', 'changes_requested', 'withdrawn')),
    constraint audit_task_claim_check check ((status = 'open' or status = 'withdrawn') or claimed_by is not null),
    constraint audit_task_decided_check check ((status in ('approved', 'changes_requested')) = (decided_at is not null))
);
create unique index audit_task_live_key on audit_task (job_id) where status in ('open', 'claimed');
create index audit_task_pool_status_idx on audit_task (pool_id, status, created_at);

-- Findings an auditor of the pool wrote once and others reuse.
create table audit_finding (
    id          uuid primary key,
    pool_id     uuid not null references audit_pool (id),
    title       text not null,
    severity    text not null,
    detail      text not null,
    created_by  uuid not null references app_user (id),
    created_at  timestamptz not null default now(),
    uses        int not null default 1,
    constraint audit_finding_severity_check check (severity in ('info', 'minor', 'major', 'critical'))
);
create unique index audit_finding_title_key on audit_finding (pool_id, lower(title));

-- The safe-harbour certificate of a job (kind 4 on chain); it lapses when a condition stops holding.
create table safe_harbour_certificate (
    id              uuid primary key,
    job_id          uuid not null references job (id) on delete cascade,
    organization_id uuid not null references organization (id),
    body            jsonb not null,
    sha256          text not null,
    status          text not null default 'active',
    issued_at       timestamptz not null default now(),
    lapsed_at       timestamptz,
    lapse_reason    text,
    anchor_tx_hash  text,
    anchor_block    bigint,
    constraint safe_harbour_certificate_status_check check (status in ('active', 'lapsed')),
    constraint safe_harbour_certificate_lapse_check check ((status = 'lapsed') = (lapsed_at is not null))
);
-- At most one certificate in force per job; a lapsed one stays for the record.
create unique index safe_harbour_certificate_active_key on safe_harbour_certificate (job_id) where status = 'active';

alter table job_event drop constraint job_event_kind_check;
alter table job_event add constraint job_event_kind_check check (kind in ('transition', 'obligation', 'document', 'shard', 'held', 'review', 'audit_task'));
