//! `SSL_OP_*` options and TLS 1.3 ticket counts, on a context and on a connection.

use libc::c_int;

use super::boundary::{SSL, SSL_CTX, ffi_boundary};
use crate::state::ctx::Ctx;
use crate::state::settings::ConnSettings;

/// Runs `f` on the settings a context gives new connections.
fn on_ctx<R>(ctx: &Ctx, f: impl FnOnce(&mut ConnSettings) -> R) -> R {
    f(&mut ctx.tls.write().conn)
}

/// Adds `op` to the context's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_options(o: *mut SSL_CTX, op: u64) -> u64 {
    ffi_boundary!(0, |o| {
        Some(on_ctx(&o, |c| {
            c.options |= op;
            c.options
        }))
    })
}

/// Removes `op` from the context's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_clear_options(o: *mut SSL_CTX, op: u64) -> u64 {
    ffi_boundary!(0, |o| {
        Some(on_ctx(&o, |c| {
            c.options &= !op;
            c.options
        }))
    })
}

/// The context's options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_options(o: *const SSL_CTX) -> u64 {
    ffi_boundary!(0, |o| Some(on_ctx(&o, |c| c.options)))
}

/// Adds `op` to the connection's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_options(o: *mut SSL, op: u64) -> u64 {
    ffi_boundary!(0, |o| {
        Some(o.update_settings(|c| {
            c.options |= op;
            c.options
        }))
    })
}

/// Removes `op` from the connection's options; returns the new options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_clear_options(o: *mut SSL, op: u64) -> u64 {
    ffi_boundary!(0, |o| {
        Some(o.update_settings(|c| {
            c.options &= !op;
            c.options
        }))
    })
}

/// The connection's options (0 for NULL).
///
/// # Safety
/// `o` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_options(o: *const SSL) -> u64 {
    ffi_boundary!(0, |o| Some(o.update_settings(|c| c.options)))
}

/// Sets how many TLS 1.3 tickets a full handshake sends (one after a resumption, none for 0): 1,
/// or 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_num_tickets(ctx: *mut SSL_CTX, num_tickets: usize) -> c_int {
    ffi_boundary!(0, |ctx| {
        Some(on_ctx(&ctx, |c| {
            c.num_tickets = num_tickets;
            1
        }))
    })
}

/// The context's TLS 1.3 ticket count (2 by default); 0 for NULL.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_num_tickets(ctx: *const SSL_CTX) -> usize {
    ffi_boundary!(0, |ctx| Some(on_ctx(&ctx, |c| c.num_tickets)))
}

/// Sets this connection's TLS 1.3 ticket count: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_num_tickets(s: *mut SSL, num_tickets: usize) -> c_int {
    ffi_boundary!(0, |s| {
        Some(s.update_settings(|c| {
            c.num_tickets = num_tickets;
            1
        }))
    })
}

/// This connection's TLS 1.3 ticket count; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_num_tickets(s: *const SSL) -> usize {
    ffi_boundary!(0, |s| Some(s.update_settings(|c| c.num_tickets)))
}
