-- Training results: which lease's artifacts a succeeded shard run delivered, and the fine-tune
-- certificate of a job (one version per model version; erasure re-issues it).

alter table shard_run add column succeeded_lease_id uuid;

create table job_certificate (
    job_id        uuid not null references job (id) on delete cascade,
    version       int not null,
    body          jsonb not null,
    -- sha256 of the certificate's canonical JSON (keys sorted, no spaces): what is anchored (kind 2).
    sha256        text not null,
    anchor_tx_hash text,
    anchor_block  bigint,
    created_at    timestamptz not null default now(),
    superseded_at timestamptz,
    constraint job_certificate_pkey primary key (job_id, version),
    constraint job_certificate_sha256_check check (sha256 ~ '^[0-9a-f]{64}$')
);

-- Workers the server starts itself (the in-process worker of `attune serve`): no admin created
-- them; one per host, its token rotated on every start.
alter table worker alter column created_by drop not null;
alter table worker add column system_key text;
alter table worker add constraint worker_system_key_key unique (system_key);

-- A reviewer's decision on a job in review (an admin's until audit pools exist).
alter table job_event drop constraint job_event_kind_check;
alter table job_event add constraint job_event_kind_check check (kind in ('transition', 'obligation', 'document', 'shard', 'held', 'review'));
