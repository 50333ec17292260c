//! The session cache as OpenSSL 3.0 defines it, in safe Rust: no C types, no raw pointers.
#![forbid(unsafe_code)]

pub mod cache;
pub mod cipher;
pub mod cipher_facts;
pub mod cipher_list;
pub mod clock;
pub mod der;
pub mod resume;
pub mod session;
pub mod shard;

pub use cache::{Cache, Stats};
pub use session::Session;
