-- Append-only, hash-chained audit log. Writers take an advisory lock so the chain is linear;
-- `attune audit verify` recomputes every hash. The trigger refuses ordinary edits; the chain
-- catches anything that gets past it (a superuser, a restored dump, a disabled trigger).
create table audit_log (
    seq        bigint primary key,
    at         timestamptz not null,
    actor      text not null,
    action     text not null,
    subject    text not null,
    data       jsonb not null,
    prev_hash  bytea not null,
    hash       bytea not null,
    constraint audit_log_hash_len check (octet_length(hash) = 32 and octet_length(prev_hash) = 32)
);
create sequence audit_log_seq_seq as bigint owned by audit_log.seq;
create index audit_log_subject_idx on audit_log (subject, seq);
create index audit_log_actor_idx on audit_log (actor, seq);

-- The newest entry, kept in the same transaction, so a deleted tail is detectable too.
create table audit_head (
    singleton  boolean primary key default true,
    seq        bigint not null,
    hash       bytea not null,
    constraint audit_head_singleton check (singleton)
);

create or replace function audit_log_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end;
$$;
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_refuse_change();
