-- The files check of a listing (fetch and re-hash every file) runs in the background: a listing
-- starts 'pending' and a checker leases it; rows listed before this change were checked at once.
alter table base_model
    add column files_check text not null default 'done',
    add column files_check_leased_until timestamptz,
    add constraint base_model_files_check_check check (files_check in ('pending', 'done'));
create index base_model_files_check_pending_idx on base_model (created_at) where files_check = 'pending';
