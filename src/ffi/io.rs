//! TLS over file descriptors: descriptors, roles, `SSL_connect`, `SSL_accept`,
//! `SSL_do_handshake`, `SSL_read`, `SSL_write`, `SSL_pending`, `SSL_shutdown`, `SSL_get_error`.

use libc::{c_int, c_void};

use super::boundary::{SSL, SSL_CTX, ffi_boundary};
use super::consts::*;
use crate::state::err::{self, LIB_SSL, LIB_SYS, reason};
use crate::state::ssl::{EarlyData, Handshake, Ssl};
use crate::tls::driver::{self, LastError};

/// Reads and writes the TLS records on `fd` (not owned): 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_fd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, |s| {
        s.set_fds(Some(fd), Some(fd));
        Some(1)
    })
}

/// Reads the TLS records from `fd`: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_rfd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, |s| {
        s.set_fds(Some(fd), None);
        Some(1)
    })
}

/// Writes the TLS records to `fd`: 1, or 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_wfd(s: *mut SSL, fd: c_int) -> c_int {
    ffi_boundary!(0, |s| {
        s.set_fds(None, Some(fd));
        Some(1)
    })
}

/// The descriptor records are read from; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_fd(s: *const SSL) -> c_int {
    ffi_boundary!(-1, |s| Some(s.rfd()))
}

/// The descriptor records are read from; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_rfd(s: *const SSL) -> c_int {
    ffi_boundary!(-1, |s| Some(s.rfd()))
}

/// The descriptor records are written to; -1 if none or for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_wfd(s: *const SSL) -> c_int {
    ffi_boundary!(-1, |s| Some(s.wfd()))
}

/// Makes the connection a client.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_connect_state(s: *mut SSL) {
    ffi_boundary!((), |s| {
        s.set_role(false);
        Some(())
    })
}

/// Makes the connection a server.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_accept_state(s: *mut SSL) {
    ffi_boundary!((), |s| {
        s.set_role(true);
        Some(())
    })
}

fn handshake(s: &Ssl) -> c_int {
    if !s.role_set() {
        err::raise(LIB_SSL, reason::UNINITIALIZED);
        s.io.lock().last = LastError::Ssl;
        return -1;
    }
    driver::handshake(s)
}

/// Runs the handshake as a client: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_connect(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, |s| {
        s.set_role(false);
        Some(handshake(&s))
    })
}

/// Runs the handshake as a server: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_accept(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, |s| {
        s.set_role(true);
        Some(handshake(&s))
    })
}

/// Runs the handshake in the role set before: 1 done, -1 not (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_do_handshake(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, |s| Some(handshake(&s)))
}

/// Reads up to `num` bytes of application data: the count, or 0/-1 (see `SSL_get_error`).
///
/// # Safety
/// `s` is NULL or a live connection; `buf` has room for `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read(s: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    // SAFETY: forwarded with this function's contract.
    unsafe { read_into(s, buf, num, driver::read) }
}

/// `SSL_read` and `SSL_peek`: `read` with the caller's buffer.
///
/// # Safety
/// As `SSL_read`.
unsafe fn read_into(s: *mut SSL, buf: *mut c_void, num: c_int, read: fn(&Ssl, &mut [u8]) -> c_int) -> c_int {
    ffi_boundary!(-1, |s| {
        if buf.is_null() || num < 0 {
            return None;
        }
        if !s.role_set() {
            return Some(handshake(&s));
        }
        // SAFETY: `buf` has room for `num` bytes per the caller.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), num as usize) };
        Some(read(&s, out))
    })
}

/// Writes `num` bytes of application data: `num`, or -1 (see `SSL_get_error`); after
/// `SSL_ERROR_WANT_WRITE`, call again with the same arguments.
///
/// # Safety
/// `s` is NULL or a live connection; `buf` points to `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write(s: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
    ffi_boundary!(-1, |s| {
        if buf.is_null() || num < 0 {
            return None;
        }
        if !s.role_set() {
            return Some(handshake(&s));
        }
        // SAFETY: `buf` points to `num` bytes per the caller.
        let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), num as usize) };
        Some(driver::write(&s, data))
    })
}

/// Decrypted bytes waiting to be read; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_pending(s: *const SSL) -> c_int {
    ffi_boundary!(0, |s| Some(driver::pending(&s)))
}

/// As `SSL_read`, but the bytes stay to be read again (by `SSL_peek` or `SSL_read`).
///
/// # Safety
/// `s` is NULL or a live connection; `buf` has room for `num` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_peek(s: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    // SAFETY: forwarded with this function's contract.
    unsafe { read_into(s, buf, num, driver::peek) }
}

/// Sends close_notify: 0 when sent and the peer's has not arrived, 1 when both are done, -1
/// (see `SSL_get_error`). Before a handshake, or with quiet shutdown, it only sets the flags.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_shutdown(s: *mut SSL) -> c_int {
    ffi_boundary!(-1, |s| {
        if !s.role_set() {
            err::raise(LIB_SSL, reason::UNINITIALIZED);
            return None;
        }
        // Before the handshake ends, or after a fatal error, OpenSSL refuses.
        if s.in_init() {
            err::raise(LIB_SSL, reason::SHUTDOWN_WHILE_IN_INIT);
            return None;
        }
        Some(driver::shutdown(&s))
    })
}

/// Why the last call on `s` returned `ret`: `SSL_ERROR_NONE`, `_SSL`, `_WANT_READ`,
/// `_WANT_WRITE`, `_SYSCALL` or `_ZERO_RETURN`.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_error(s: *const SSL, ret_code: c_int) -> c_int {
    ffi_boundary!(SSL_ERROR_SSL, |s: Option| {
        if ret_code > 0 {
            return Some(SSL_ERROR_NONE);
        }
        let queued = err::peek();
        if queued != 0 {
            return Some(if err::unpack(queued).0 == LIB_SYS { SSL_ERROR_SYSCALL } else { SSL_ERROR_SSL });
        }
        let s = s?;
        Some(match driver::last_error(&s) {
            LastError::WantRead => SSL_ERROR_WANT_READ,
            LastError::WantWrite => SSL_ERROR_WANT_WRITE,
            LastError::WantX509Lookup => SSL_ERROR_WANT_X509_LOOKUP,
            LastError::WantClientHelloCb => SSL_ERROR_WANT_CLIENT_HELLO_CB,
            LastError::ZeroReturn => SSL_ERROR_ZERO_RETURN,
            LastError::Ssl => SSL_ERROR_SSL,
            LastError::Syscall | LastError::None => SSL_ERROR_SYSCALL,
        })
    })
}

/// Sets how much early (0-RTT) data new connections would accept: 1. sesscache never accepts
/// early data (a server rejects it, as TLS allows, and its tickets do not offer it); the value
/// is kept and reported.
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_max_early_data(ctx: *mut SSL_CTX, max_early_data: u32) -> c_int {
    ffi_boundary!(0, |ctx| {
        ctx.tls.write().conn.max_early_data = max_early_data;
        Some(1)
    })
}

/// The value `SSL_CTX_set_max_early_data` set (0 by default).
///
/// # Safety
/// `ctx` is NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_max_early_data(ctx: *const SSL_CTX) -> u32 {
    ffi_boundary!(0, |ctx| Some(ctx.tls.read().conn.max_early_data))
}

/// As `SSL_CTX_set_max_early_data`, for this connection.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_max_early_data(s: *mut SSL, max_early_data: u32) -> c_int {
    ffi_boundary!(0, |s| {
        s.update_settings(|c| c.max_early_data = max_early_data);
        Some(1)
    })
}

/// The connection's early data limit.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_max_early_data(s: *const SSL) -> u32 {
    ffi_boundary!(0, |s| Some(s.settings().max_early_data))
}

/// Server: reads early data. No early data is ever accepted, so this runs the handshake (as
/// `SSL_accept`) and then returns `SSL_READ_EARLY_DATA_FINISH` with `*readbytes = 0`; while the
/// handshake needs I/O it returns `SSL_READ_EARLY_DATA_ERROR` with `SSL_get_error` telling why
/// (call again). Called on a client, or again after it finished, it fails as OpenSSL does
/// (`ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`).
///
/// # Safety
/// `s` is NULL or a live connection; `readbytes` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read_early_data(
    s: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    ffi_boundary!(SSL_READ_EARLY_DATA_ERROR, |s| {
        let _ = (buf, num);
        let state = s.state.lock().early_data;
        let server = s.is_server() || !s.role_set();
        let allowed = match state {
            EarlyData::None => server && s.state.lock().handshake == Handshake::Before,
            EarlyData::AcceptRetry => true,
            EarlyData::Finished => false,
        };
        if !allowed || (s.role_set() && !s.is_server()) {
            err::raise(LIB_SSL, reason::SHOULD_NOT_HAVE_BEEN_CALLED);
            return Some(SSL_READ_EARLY_DATA_ERROR);
        }
        s.set_role(true);
        if handshake(&s) <= 0 {
            s.state.lock().early_data = EarlyData::AcceptRetry;
            return Some(SSL_READ_EARLY_DATA_ERROR);
        }
        s.state.lock().early_data = EarlyData::Finished;
        // SAFETY: NULL or writable (this function's contract).
        unsafe { super::boundary::write_out(readbytes, 0) };
        Some(SSL_READ_EARLY_DATA_FINISH)
    })
}

/// Client: would send early data. sesscache's sessions never allow it, so this fails as
/// OpenSSL fails for a session that does not (0, `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write_early_data(
    s: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = (s, buf, num, written);
        err::raise(LIB_SSL, reason::SHOULD_NOT_HAVE_BEEN_CALLED);
        Some(0)
    })
}

/// Whether early data was accepted: `SSL_EARLY_DATA_NOT_SENT` (sesscache accepts none).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_early_data_status(s: *const SSL) -> c_int {
    ffi_boundary!(SSL_EARLY_DATA_NOT_SENT, |s| {
        let _ = s;
        Some(SSL_EARLY_DATA_NOT_SENT)
    })
}

/// Sends a file through kernel TLS: never available here (no kTLS), so -1 with
/// `SSL_R_UNINITIALIZED`, as OpenSSL answers when its write BIO has no kTLS.
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_sendfile(s: *mut SSL, fd: c_int, offset: libc::off_t, size: usize, flags: c_int) -> isize {
    ffi_boundary!(-1, |s| {
        let _ = (fd, offset, size, flags);
        let why = if s.shutdown_flags() & crate::state::ssl::SENT_SHUTDOWN != 0 && s.role_set() {
            reason::PROTOCOL_IS_SHUTDOWN
        } else {
            reason::UNINITIALIZED
        };
        err::raise(LIB_SSL, why);
        Some(-1)
    })
}

/// 0: no asynchronous job ever runs (`SSL_MODE_ASYNC` is not supported).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_waiting_for_async(s: *mut SSL) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = s;
        Some(0)
    })
}

/// 0, writing nothing, as OpenSSL for a connection with no asynchronous wait context.
///
/// # Safety
/// `s` is NULL or a live connection; the outputs are not written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_all_async_fds(s: *mut SSL, fds: *mut c_int, numfds: *mut usize) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = (s, fds, numfds);
        Some(0)
    })
}

/// 0, writing nothing, as `SSL_get_all_async_fds`.
///
/// # Safety
/// `s` is NULL or a live connection; the outputs are not written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_changed_async_fds(
    s: *mut SSL,
    addfd: *mut c_int,
    numaddfds: *mut usize,
    delfd: *mut c_int,
    numdelfds: *mut usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        let _ = (s, addfd, numaddfds, delfd, numdelfds);
        Some(0)
    })
}
