//! TLS over file descriptors: descriptors, roles, `SSL_connect`, `SSL_accept`,
//! `SSL_do_handshake`, `SSL_read`, `SSL_write`, `SSL_pending`, `SSL_shutdown`, `SSL_get_error`.

use libc::{c_int, c_void};

use super::boundary::{SSL, ffi_boundary};
use super::consts::*;
use crate::state::err::{self, LIB_SSL, LIB_SYS, reason};
use crate::state::ssl::Ssl;
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
    ffi_boundary!(-1, |s| {
        if buf.is_null() || num < 0 {
            return None;
        }
        if !s.role_set() {
            return Some(handshake(&s));
        }
        // SAFETY: `buf` has room for `num` bytes per the caller.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), num as usize) };
        Some(driver::read(&s, out))
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
            LastError::ZeroReturn => SSL_ERROR_ZERO_RETURN,
            LastError::Ssl => SSL_ERROR_SSL,
            LastError::Syscall | LastError::None => SSL_ERROR_SYSCALL,
        })
    })
}
