-- GDPR Art. 17 erasure on SISA shards. The subject's records are found through an index over
-- pii_subject_ids; their content is deleted and a tombstone keeps the record id and content hash.

create index dataset_record_pii_subject_ids_idx on dataset_record using gin (pii_subject_ids);

create table erasure_request (
    id               uuid primary key,
    organization_id  uuid not null references organization (id),
    requested_by     uuid not null references app_user (id),
    -- sha256 over the organisation and the subject id (attune_domain::erasure::subject_reference):
    -- the subject id itself is not kept.
    subject_sha256   text not null,
    reason           text,
    -- An admin acting on a data subject's behalf attaches what the subject sent.
    evidence         text,
    status           text not null default 'pending',
    -- {records: [...], jobs: [...], shards: [{job_id, shard_index, from_slice}]}
    affected         jsonb not null,
    retrain_fraction double precision not null,
    deadline_at      timestamptz not null,
    completed_at     timestamptz,
    created_at       timestamptz not null default now(),
    constraint erasure_request_subject_key unique (organization_id, subject_sha256),
    constraint erasure_request_subject_check check (subject_sha256 ~ '^[0-9a-f]{64}$'),
    constraint erasure_request_status_check check (status in ('pending', 'retraining', 'completed')),
    constraint erasure_request_fraction_check check (retrain_fraction >= 0 and retrain_fraction <= 1)
);

alter table dataset_record
    add column erased_at  timestamptz,
    add column erasure_id uuid references erasure_request (id);
alter table dataset_record drop constraint dataset_record_content_check;
alter table dataset_record add constraint dataset_record_content_check check (
    case when erased_at is null then (text is null) <> (uri is null)
         else text is null and uri is null and cardinality(pii_subject_ids) = 0 end
);
