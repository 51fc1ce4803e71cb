-- The graduated transition (seed 002 §VI.C): members report a deployment's usage; when it crosses a
-- tier boundary the new obligations phase in with due dates, reminders and an overdue state.

-- The tier the deployment has now, from its latest usage report (null: the tier it was quoted at).
alter table job add column deployed_risk_tier text;

alter table job_obligation
    add column phase          text,
    add column due_at         timestamptz,
    add column reminders_sent int not null default 0;
alter table job_obligation add constraint job_obligation_phase_check check ((phase is null) = (due_at is null));
create index job_obligation_due_idx on job_obligation (due_at) where status = 'open' and due_at is not null;

create table job_indicator_report (
    id                 bigserial primary key,
    job_id             uuid not null references job (id) on delete cascade,
    monthly_users      bigint not null,
    monthly_queries    bigint not null,
    tier_before        text not null,
    tier_after         text not null,
    -- [{id, phase, due_at}] of the obligations this report phased in
    phased             jsonb not null,
    policy_version     text not null,
    transition_version text not null,
    reported_by        uuid not null references app_user (id),
    reported_at        timestamptz not null default now(),
    constraint job_indicator_report_counts_check check (monthly_users >= 0 and monthly_queries >= 0)
);
create index job_indicator_report_job_idx on job_indicator_report (job_id, reported_at);
