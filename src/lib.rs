//! sesscache: OpenSSL 3.0's session cache in Rust, behind OpenSSL's own C API.
#![forbid(unsafe_code)]

pub mod core;
