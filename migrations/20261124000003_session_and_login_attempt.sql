-- Server-side sessions: the client holds a 256-bit random token, we keep only its sha256.
create table session (
    id            uuid primary key,
    user_id       uuid not null references app_user (id) on delete cascade,
    token_sha256  bytea not null,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now(),
    expires_at    timestamptz not null,
    user_agent    text,
    constraint session_token_sha256_key unique (token_sha256),
    constraint session_token_sha256_len check (octet_length(token_sha256) = 32)
);
create index session_user_idx on session (user_id);
create index session_expires_idx on session (expires_at);

-- Failed and successful logins, for rate limiting per e-mail and per client address.
create table login_attempt (
    id          bigint generated always as identity primary key,
    email       text not null,
    ip          inet,
    succeeded   boolean not null,
    at          timestamptz not null default now()
);
create index login_attempt_email_at_idx on login_attempt (lower(email), at) where not succeeded;
create index login_attempt_ip_at_idx on login_attempt (ip, at) where not succeeded;

create table email_verification (
    token_sha256  bytea primary key,
    user_id       uuid not null references app_user (id) on delete cascade,
    email         text not null,
    created_at    timestamptz not null default now(),
    expires_at    timestamptz not null,
    used_at       timestamptz
);
create index email_verification_user_idx on email_verification (user_id);
