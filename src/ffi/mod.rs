//! OpenSSL's C API over the core: the only place with raw pointers. One file per C type.

// `c_long` is 32 bits on some targets: the casts between it and i64 are not no-ops there.
#![allow(clippy::unnecessary_cast)]

pub mod boundary;
pub mod checked;
pub mod cipher;
pub mod conn;
pub mod ctx;
pub mod err;
pub mod ex_data;
pub mod pem;
pub mod session;
pub mod ssl;
