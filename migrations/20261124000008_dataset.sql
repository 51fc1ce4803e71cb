-- Datasets: a manifest of records, each judged by the copyright/data-protection gate (DESIGN.md §3).
create table dataset (
    id                  uuid primary key,
    organization_id     uuid not null references organization (id),
    created_by          uuid not null references app_user (id),
    name                text not null,
    status              text not null,
    manifest_sha256     text not null,
    record_count        bigint not null,
    token_count         bigint not null,
    pii_records         bigint not null,
    data_policy_version text not null,
    data_policy_sha256  text not null,
    scanned_at          timestamptz,
    -- A scanner's lease on a dataset in `scanning`: another replica takes it over once it is old.
    scan_started_at     timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    constraint dataset_status_check check (status in ('scanning', 'ready')),
    constraint dataset_manifest_sha256_check check (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    constraint dataset_counts_check check (record_count >= 0 and token_count >= 0 and pii_records >= 0)
);
create index dataset_organization_idx on dataset (organization_id, created_at desc);
create index dataset_scanning_idx on dataset (created_at) where status = 'scanning';
create trigger dataset_updated_at before update on dataset
    for each row execute function set_updated_at();

create table dataset_record (
    dataset_id        uuid not null references dataset (id) on delete cascade,
    record_id         text not null,
    seq               bigint not null,
    text              text,
    uri               text,
    source_url        text,
    domain            text,
    content_hash      text not null,
    licence_kind      text not null,
    licence_ref       text,
    pii_subject_ids   text[] not null,
    tokens            bigint not null,
    -- The opt-out verdict for source_url: {status, signals, evidence}, with when it was taken and
    -- when it must be taken again.
    optout_status     text,
    optout            jsonb,
    optout_checked_at timestamptz,
    optout_recheck_at timestamptz,
    gate              text not null,
    gate_reasons      jsonb not null,
    review_decision   text,
    review_notes      text,
    reviewed_by       uuid references app_user (id),
    reviewed_at       timestamptz,
    constraint dataset_record_pkey primary key (dataset_id, record_id),
    constraint dataset_record_seq_key unique (dataset_id, seq),
    constraint dataset_record_content_check check ((text is null) <> (uri is null)),
    constraint dataset_record_licence_check check (licence_kind in ('licensed', 'own', 'public_domain', 'web')),
    constraint dataset_record_gate_check check (gate in ('allowed', 'blocked', 'review')),
    constraint dataset_record_optout_check check (optout_status is null or optout_status in ('clear', 'reserved', 'unknown')),
    constraint dataset_record_review_check check (review_decision is null or review_decision in ('allow', 'block')),
    constraint dataset_record_tokens_check check (tokens >= 0)
);
create index dataset_record_gate_idx on dataset_record (dataset_id, gate, seq);
create index dataset_record_review_queue_idx on dataset_record (dataset_id, seq) where gate = 'review';
