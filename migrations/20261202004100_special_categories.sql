-- GDPR Art. 9: records declare the special categories of personal data they reveal; a dataset counts
-- the records that do, and a job that trains on them needs an Art. 9(2) condition on file.
alter table dataset_record add column special_categories text[] not null default '{}';
alter table dataset add column special_category_records bigint not null default 0;
