-- Dispatch (DESIGN.md §5): a queued job's accepted records split into SISA shards and slices, one
-- shard run per shard in a PostgreSQL queue leased by workers with scoped tokens.

alter table job
    add column dispatch_policy_version text,
    add column dispatch_policy_sha256  text,
    add column dispatched_at           timestamptz;

-- One row per shard of a dispatched job: its record set's Merkle root and slice sizes.
create table job_shard (
    job_id           uuid not null references job (id) on delete cascade,
    shard_index      int not null,
    records          int not null,
    personal_records int not null,
    merkle_root      text not null,
    slice_sizes      int[] not null,
    constraint job_shard_pkey primary key (job_id, shard_index),
    constraint job_shard_merkle_root_check check (merkle_root ~ '^[0-9a-f]{64}$'),
    constraint job_shard_counts_check check (records >= 0 and personal_records >= 0 and personal_records <= records)
);

-- Record -> (shard, slice): an erasure finds the shard and the first slice to retrain from here.
create table job_shard_record (
    job_id      uuid not null,
    record_id   text not null,
    shard_index int not null,
    slice       int not null,
    -- Upload order of the record within the job (the order inside a slice).
    position    int not null,
    constraint job_shard_record_pkey primary key (job_id, record_id),
    constraint job_shard_record_shard_fkey foreign key (job_id, shard_index) references job_shard (job_id, shard_index) on delete cascade,
    constraint job_shard_record_slice_check check (slice >= 0)
);
create index job_shard_record_shard_idx on job_shard_record (job_id, shard_index, slice, position);

-- Training workers: a name and the sha256 of their bearer token (shown once at creation).
create table worker (
    id                uuid primary key,
    name              text not null,
    token_sha256      bytea not null,
    created_by        uuid not null references app_user (id),
    capabilities      jsonb not null default '{}',
    last_heartbeat_at timestamptz,
    created_at        timestamptz not null default now(),
    constraint worker_token_sha256_key unique (token_sha256),
    constraint worker_name_check check (length(name) between 1 and 100)
);

create table shard_run (
    id                uuid primary key,
    job_id            uuid not null,
    shard_index       int not null,
    status            text not null default 'queued',
    attempt           int not null default 0,
    max_attempts      int not null,
    -- Not leased again before this time (the backoff after a lost lease or a retryable failure).
    not_before        timestamptz not null default now(),
    worker_id         uuid references worker (id),
    -- The current lease: the idempotency key of (shard, attempt). Every worker call names it.
    lease_id          uuid,
    leased_at         timestamptz,
    lease_expires_at  timestamptz,
    -- Slices finished for good (reported `slice_done` by a heartbeat of a live lease): a retry
    -- resumes from here.
    slices_done       int not null default 0,
    -- The current attempt's last progress report: {slice, step, loss, tokens, flops, at}.
    progress          jsonb,
    tokens            bigint not null default 0,
    flops             double precision not null default 0,
    metrics           jsonb,
    artifacts         jsonb,
    error             text,
    finished_at       timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint shard_run_job_shard_key unique (job_id, shard_index),
    constraint shard_run_shard_fkey foreign key (job_id, shard_index) references job_shard (job_id, shard_index) on delete cascade,
    constraint shard_run_status_check check (status in ('queued', 'leased', 'succeeded', 'failed')),
    constraint shard_run_lease_check check ((status = 'leased') = (lease_id is not null and lease_expires_at is not null and worker_id is not null)),
    constraint shard_run_attempt_check check (attempt >= 0 and attempt <= max_attempts)
);
create index shard_run_queue_idx on shard_run (created_at) where status = 'queued';
create index shard_run_leased_idx on shard_run (lease_expires_at) where status = 'leased';
create trigger shard_run_updated_at before update on shard_run
    for each row execute function set_updated_at();

-- Every accepted heartbeat: the loss curve and the resume point's evidence.
create table shard_run_progress (
    id          bigint generated always as identity primary key,
    run_id      uuid not null references shard_run (id) on delete cascade,
    attempt     int not null,
    lease_id    uuid not null,
    slice       int not null,
    slice_done  boolean not null,
    step        bigint not null,
    loss        double precision,
    tokens      bigint not null,
    flops       double precision not null,
    created_at  timestamptz not null default now()
);
create index shard_run_progress_run_idx on shard_run_progress (run_id, id);

-- Artifacts uploaded under a lease (files in the artifact store; the digest checked on upload).
create table shard_run_artifact (
    run_id     uuid not null references shard_run (id) on delete cascade,
    lease_id   uuid not null,
    name       text not null,
    sha256     text not null,
    size       bigint not null,
    location   text not null,
    created_at timestamptz not null default now(),
    constraint shard_run_artifact_pkey primary key (run_id, lease_id, name),
    constraint shard_run_artifact_sha256_check check (sha256 ~ '^[0-9a-f]{64}$')
);
