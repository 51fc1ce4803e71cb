-- Wallets an organisation has proven control of (EIP-191 signature of a server nonce). The proof is
-- kept: it is what the EU Transfer of Funds Regulation asks for self-hosted wallets above EUR 1,000.
create table wallet_challenge (
    id               uuid primary key,
    organization_id  uuid not null references organization (id),
    user_id          uuid not null references app_user (id),
    address          text not null,
    nonce            text not null,
    message          text not null,
    created_at       timestamptz not null default now(),
    expires_at       timestamptz not null,
    used_at          timestamptz,
    constraint wallet_challenge_address_check check (address ~ '^0x[0-9a-f]{40}$'),
    constraint wallet_challenge_nonce_key unique (nonce)
);
create index wallet_challenge_lookup_idx on wallet_challenge (organization_id, address, created_at desc);

create table wallet (
    id               uuid primary key,
    organization_id  uuid not null references organization (id),
    address          text not null,
    status           text not null,
    linked_by        uuid not null references app_user (id),
    proof_message    text not null,
    proof_signature  text not null,
    proof_kind       text not null default 'eip191_personal_sign',
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    constraint wallet_address_check check (address ~ '^0x[0-9a-f]{40}$'),
    constraint wallet_status_check check (status in ('active', 'under_review', 'blocked')),
    constraint wallet_address_key unique (address)
);
create index wallet_organization_idx on wallet (organization_id);
create trigger wallet_updated_at before update on wallet
    for each row execute function set_updated_at();
