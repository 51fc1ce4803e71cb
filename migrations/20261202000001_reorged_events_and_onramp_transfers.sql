-- An escrow event that was applied and then reorged out of the chain is kept as 'reorged' (its
-- effect was undone or handed to a human); it becomes 'seen' again if the chain re-includes it.
alter table chain_event drop constraint chain_event_status_check;
alter table chain_event add constraint chain_event_status_check check (status in ('seen', 'applied', 'removed', 'reorged'));

-- One on-chain transfer settles at most one onramp order: a second order citing the same
-- transaction is a mismatch, never a second funding.
create unique index onramp_order_settling_tx_key on onramp_order (lower(tx_hash)) where status in ('funding', 'paid');

-- A paid job that may not move on because its funds are not secured (payment not cleared, escrow
-- not funded on chain) says so in its timeline.
alter table job_event drop constraint job_event_kind_check;
alter table job_event add constraint job_event_kind_check check (kind in ('transition', 'obligation', 'document', 'shard', 'held'));
