//! sesscache: OpenSSL 3.0's session cache in Rust, behind OpenSSL's own C API.

pub mod core;
pub mod ffi;
pub mod state;
pub mod sys;
pub mod tls;
