//! Erasure requests and the records they erase. The subject's records are found through the GIN
//! index over `pii_subject_ids`, scoped to the organisation that owns the datasets.
//!
//! Split by what is stored: `records` (the subject's records and their tombstones), `requests` (the
//! requests and their states), `certificate` (the certificate and its anchor), `shards` (the shards
//! an erasure retrains) and `purge` (replaced artifacts queued for deletion).

mod certificate;
mod purge;
mod records;
mod requests;
mod shards;

pub use certificate::{ErasureCertificate, certificate, complete, set_anchor};
pub use purge::{lock_purge, purged, queue_purge};
pub use records::{AffectedRecord, affected_records, job_records, tombstone, tombstones};
pub use requests::{ErasureRow, NewErasure, find_by_subject, get, insert, list, list_all, lock_open, set_status};
pub use shards::{ErasureShardRow, ShardUpdate, for_job, insert_shards, shards_of, update_shard};
