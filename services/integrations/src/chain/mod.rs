//! The chain: contract bindings, the embedded anvil, deployment, and the client the watcher and the
//! operator's sender use.

pub mod anvil;
pub mod bindings;
pub mod client;
pub mod deployment;
pub mod wallet;
