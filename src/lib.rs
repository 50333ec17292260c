//! sesscache: OpenSSL 3.0's session cache in Rust, behind OpenSSL's own C API.

/// cbindgen:ignore
pub mod core;
pub mod ffi;
/// cbindgen:ignore
pub mod state;
/// cbindgen:ignore
pub mod sys;
/// cbindgen:ignore
pub mod tls;
