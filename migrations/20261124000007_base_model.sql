-- Base models listed by providers, with their signed provenance manifest and automatic checks.
create table base_model (
    id                    uuid primary key,
    organization_id       uuid not null references organization (id),
    created_by            uuid not null references app_user (id),
    name                  text not null,
    version               text not null,
    architecture          text not null,
    parameter_count       bigint not null,
    training_flops        double precision,
    intended_uses         text[] not null,
    licence               text not null,
    files                 jsonb not null,
    card_markdown         text not null,
    training_summary      jsonb not null,
    lineage_base_model_id uuid references base_model (id),
    lineage_relation      text,
    licence_fee           bigint not null,
    systemic_risk         boolean not null default false,
    manifest_canonical    text not null,
    manifest_sha256       text not null,
    signer_address        text,
    signature             text,
    checks                jsonb not null default '[]',
    provenance_status     text not null default 'pending',
    decided_by            uuid references app_user (id),
    decided_at            timestamptz,
    decision_notes        text,
    anchor_tx_hash        text,
    anchor_block          bigint,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    constraint base_model_status_check check (provenance_status in ('pending', 'verified', 'rejected')),
    constraint base_model_parameter_count_check check (parameter_count > 0),
    constraint base_model_licence_fee_check check (licence_fee >= 0),
    constraint base_model_relation_check check (lineage_relation is null or lineage_relation in ('finetune', 'adapter', 'merge', 'quantized')),
    constraint base_model_manifest_sha256_check check (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    constraint base_model_name_version_key unique (organization_id, name, version)
);
create index base_model_status_idx on base_model (provenance_status, created_at desc);
create index base_model_organization_idx on base_model (organization_id, created_at desc);
create trigger base_model_updated_at before update on base_model
    for each row execute function set_updated_at();
