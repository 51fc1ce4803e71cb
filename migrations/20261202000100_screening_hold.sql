-- A name hit holds (issue 10): an organisation whose legal name or a KYC'd person matches a list is
-- on hold — its KYC level is not granted and its payments are held — until an admin decides the
-- `name` case (approve: the hold is lifted; reject or block: it stays blocked).
alter table organization add column screening_hold text;
alter table organization add constraint organization_screening_hold_check check (screening_hold in ('held', 'blocked'));
-- A KYC'd person matched a politically exposed person: a risk factor for enhanced due diligence.
alter table organization add column pep_match boolean not null default false;

-- Suspicious-activity report drafts, written when an admin rejects or blocks a case: who, what,
-- when, amounts, transaction, rules and list version. A compliance officer files them.
create table suspicious_activity_report (
    id              uuid primary key,
    case_id         uuid not null references screening_case (id),
    organization_id uuid references organization (id),
    decision        text not null,
    draft           jsonb not null,
    status          text not null default 'draft',
    created_at      timestamptz not null default now(),
    constraint suspicious_activity_report_decision_check check (decision in ('rejected', 'blocked')),
    constraint suspicious_activity_report_status_check check (status in ('draft', 'filed'))
);
create unique index suspicious_activity_report_case_key on suspicious_activity_report (case_id);

-- Every replica screens against the newest lists: an import notifies the others.
create function sanctions_import_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('sanctions_import', new.id::text);
    return new;
end $$;
create trigger sanctions_import_notify after insert on sanctions_import
    for each row execute function sanctions_import_notify();
