-- Registrations per client address, for the registration rate limit (pruned after 30 days).
create table registration_attempt (
    id  bigint generated always as identity primary key,
    ip  inet not null,
    at  timestamptz not null default now()
);
create index registration_attempt_ip_at_idx on registration_attempt (ip, at);
