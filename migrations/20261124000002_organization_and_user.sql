create table organization (
    id          uuid primary key,
    name        text not null,
    country     char(2) not null,
    kind        text not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint organization_kind_check check (kind in ('sme', 'enterprise', 'research', 'public_body')),
    constraint organization_country_check check (country ~ '^[A-Z]{2}$')
);
create trigger organization_updated_at before update on organization
    for each row execute function set_updated_at();

create table app_user (
    id                 uuid primary key,
    organization_id    uuid not null references organization (id),
    email              text not null,
    name               text not null,
    password_hash      text not null,
    email_verified_at  timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
create unique index app_user_email_key on app_user (lower(email));
create index app_user_organization_idx on app_user (organization_id);
create trigger app_user_updated_at before update on app_user
    for each row execute function set_updated_at();

create table user_role (
    user_id     uuid not null references app_user (id) on delete cascade,
    role        text not null,
    granted_at  timestamptz not null default now(),
    constraint user_role_pkey primary key (user_id, role),
    constraint user_role_role_check check (role in ('admin', 'auditor'))
);
