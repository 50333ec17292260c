//! Real TLS on rustls: configs built from an `SSL_CTX`, a connection driven over file
//! descriptors, and rustls's session hooks connected to the cache so that handshakes reach the
//! callbacks where and as often as OpenSSL 3.0 calls them (see `../shared/RUSTLS-MAP.md`).

pub mod certs;
pub mod config;
pub mod driver;
pub mod hello;
pub mod hooks;
#[cfg(feature = "valgrind")]
pub mod valgrind;
pub mod value;
