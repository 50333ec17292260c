//! OpenSSL's C API: entry points only, one file per C area, over `state` and `tls`; the only
//! place with raw pointers and C handles (conversions in `boundary.rs`).

// `c_long` is 32 bits on some targets: the casts between it and i64 are not no-ops there.
#![allow(clippy::unnecessary_cast)]

pub mod alpn;
pub mod boundary;
pub mod callbacks;
pub mod cert;
pub mod checked;
pub mod cipher;
pub mod conf;
pub mod consts;
pub mod ctrl;
pub mod ctx;
pub mod err;
pub mod ex_data;
pub mod io;
pub mod options;
pub mod pem;
pub mod session;
pub mod ssl;
pub mod strings;
pub mod tickets;
pub mod unsupported;
/// cbindgen:ignore
pub mod x509;
