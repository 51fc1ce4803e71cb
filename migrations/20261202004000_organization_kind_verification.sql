-- DSM Art. 3 also covers cultural heritage institutions; and an organisation kind that unlocks a
-- legal exception (research, cultural heritage) counts only once an admin has verified it with
-- evidence — never on the sign-up form alone.
alter table organization drop constraint organization_kind_check;
alter table organization add constraint organization_kind_check
    check (kind in ('sme', 'enterprise', 'research', 'public_body', 'cultural_heritage'));

alter table organization
    add column kind_verified_at timestamptz,
    add column kind_verified_by uuid references app_user (id),
    add column kind_evidence    text,
    add constraint organization_kind_verified_whole check (
        (kind_verified_at is null and kind_verified_by is null and kind_evidence is null)
        or (kind_verified_at is not null and kind_verified_by is not null and length(trim(kind_evidence)) > 0)
    );
