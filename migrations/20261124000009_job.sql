-- Fine-tune jobs (DESIGN.md §2): an immutable snapshot of the assessment and of the dataset gate,
-- the obligations to satisfy, the documents that satisfy them, and every transition.
create table job (
    id                 uuid primary key,
    organization_id    uuid not null references organization (id),
    created_by         uuid not null references app_user (id),
    base_model_id      uuid not null references base_model (id),
    dataset_id         uuid not null references dataset (id),
    status             text not null,
    method             text not null,
    hyperparameters    jsonb not null,
    deployment         jsonb not null,
    assessment         jsonb not null,
    risk_tier          text not null,
    audit_required     boolean not null,
    quote_amount       text not null,
    policy_version     text not null,
    policy_sha256      text not null,
    gate               jsonb not null,
    accepted_records   bigint not null,
    accepted_tokens    bigint not null,
    training_summary   jsonb not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    constraint job_status_check check (status in ('draft', 'assessed', 'awaiting_payment', 'payment_review', 'paid', 'audit',
        'changes_requested', 'queued', 'training', 'aggregating', 'completed', 'failed', 'refunded', 'frozen',
        'cancel_requested', 'cancelled')),
    constraint job_quote_amount_check check (quote_amount ~ '^[0-9]+$')
);
create index job_organization_idx on job (organization_id, created_at desc, id desc);
create trigger job_updated_at before update on job
    for each row execute function set_updated_at();

-- Records of the dataset that the job's gate left out, and why. Every other record is accepted.
create table job_record_exclusion (
    job_id    uuid not null references job (id) on delete cascade,
    record_id text not null,
    reasons   jsonb not null,
    constraint job_record_exclusion_pkey primary key (job_id, record_id)
);

create table job_event (
    id          bigint generated always as identity primary key,
    job_id      uuid not null references job (id) on delete cascade,
    kind        text not null,
    from_status text,
    to_status   text,
    actor_id    uuid references app_user (id),
    detail      jsonb not null default '{}',
    created_at  timestamptz not null default now(),
    constraint job_event_kind_check check (kind in ('transition', 'obligation', 'document', 'shard'))
);
create index job_event_job_idx on job_event (job_id, id);

create table job_obligation (
    job_id        uuid not null references job (id) on delete cascade,
    position      int not null,
    obligation_id text not null,
    article       text not null,
    title         text not null,
    blocking      boolean not null,
    template      text not null,
    status        text not null default 'open',
    satisfied_by  text,
    satisfied_at  timestamptz,
    constraint job_obligation_pkey primary key (job_id, obligation_id),
    constraint job_obligation_status_check check (status in ('open', 'satisfied')),
    constraint job_obligation_satisfied_check check ((status = 'satisfied') = (satisfied_by is not null))
);

-- Each submission of a document is kept; the latest revision is the one in force.
create table job_document (
    job_id           uuid not null references job (id) on delete cascade,
    template         text not null,
    revision         int not null,
    template_version text not null,
    template_sha256  text not null,
    fields           jsonb not null,
    submitted_by     uuid not null references app_user (id),
    submitted_at     timestamptz not null default now(),
    constraint job_document_pkey primary key (job_id, template, revision)
);

-- Idempotency-Key on creating POSTs (API.md conventions): the first response is replayed for the same
-- key and body; another body under the same key is refused.
create table idempotency_key (
    organization_id uuid not null references organization (id),
    scope           text not null,
    key             text not null,
    request_sha256  text not null,
    status_code     int not null,
    response        jsonb not null,
    created_at      timestamptz not null default now(),
    constraint idempotency_key_pkey primary key (organization_id, scope, key)
);
