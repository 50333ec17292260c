//! What a context and a connection are, without C types: the objects behind `SSL_CTX` and
//! `SSL`, their settings and callbacks, and the error queue. Both `ffi` and `tls` use it.

pub mod attached;
pub mod ctx;
pub mod err;
pub mod ex_data;
pub mod settings;
pub mod ssl;
