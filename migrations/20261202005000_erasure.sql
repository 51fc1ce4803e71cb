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
    constraint erasure_request_subject_check check (subject_sha256 ~ '^[0-9a-f]{64}$'),
    constraint erasure_request_status_check check (status in ('pending', 'retraining', 'completed')),
    constraint erasure_request_fraction_check check (retrain_fraction >= 0 and retrain_fraction <= 1)
);
-- One open request per subject; a subject whose records arrive again after a completed erasure is
-- erased again by a new request.
create unique index erasure_request_open_subject_key on erasure_request (organization_id, subject_sha256) where status <> 'completed';

alter table dataset_record
    add column erased_at  timestamptz,
    add column erasure_id uuid references erasure_request (id);
alter table dataset_record drop constraint dataset_record_content_check;
alter table dataset_record add constraint dataset_record_content_check check (
    case when erased_at is null then (text is null) <> (uri is null)
         else text is null and uri is null and cardinality(pii_subject_ids) = 0 end
);

-- The erasure certificate, once every affected model is superseded, and where it was anchored (kind 3).
alter table erasure_request
    add column certificate        jsonb,
    add column certificate_sha256 text,
    add column anchor_tx_hash     text,
    add column anchor_block       bigint,
    add constraint erasure_request_certificate_check check ((certificate is null) = (certificate_sha256 is null));

-- Each shard an erasure retrains: from the checkpoint before its first affected slice. `waiting` until
-- the shard can be retrained (its job is still training it), `retraining` once its run is queued
-- again, `retrained` once the job's new version is certified, `not_trained` when no model ever
-- learnt from the erased records (the shard had not reached them, or the job ended without a model).
create table erasure_shard (
    erasure_id   uuid not null references erasure_request (id) on delete cascade,
    job_id       uuid not null references job (id) on delete cascade,
    shard_index  int not null,
    from_slice   int not null,
    state        text not null default 'waiting',
    old_adapters jsonb,
    new_adapters jsonb,
    -- FLOPs the retraining spent, and the FLOPs of training every shard of the job (a full retrain).
    flops        double precision not null default 0,
    full_flops   double precision not null default 0,
    queued_at    timestamptz,
    done_at      timestamptz,
    constraint erasure_shard_pkey primary key (erasure_id, job_id, shard_index),
    constraint erasure_shard_state_check check (state in ('waiting', 'retraining', 'retrained', 'not_trained'))
);

-- The lease whose outputs the retraining replaces: its adapters and the checkpoints from the first
-- affected slice on are deleted from the artifact store once the new version is certified.
alter table erasure_shard add column old_run_id uuid, add column old_lease_id uuid;

-- Artifact-store objects to delete (outside any transaction, by the queue's housekeeping).
create table artifact_purge (
    location   text primary key,
    reason     text not null,
    created_at timestamptz not null default now()
);
