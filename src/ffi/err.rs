//! `ERR_get_error`, `ERR_peek_error`, `ERR_peek_last_error`, `ERR_clear_error`,
//! `ERR_error_string_n` over this thread's queue (`state::err`). The drop-in `libssl.so.3`
//! leaves these to libcrypto.
#![cfg_attr(feature = "libcrypto", allow(dead_code, unused_imports))]

use libc::{c_char, c_ulong};

use super::boundary::ffi_boundary;
use crate::state::err;

/// The earliest error on this thread's queue, removed from it; 0 if none.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub extern "C" fn ERR_get_error() -> c_ulong {
    ffi_boundary!(0, { Some(err::pop()) })
}

/// The earliest error on this thread's queue, left in place; 0 if none.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub extern "C" fn ERR_peek_error() -> c_ulong {
    ffi_boundary!(0, { Some(err::peek()) })
}

/// The most recent error on this thread's queue, left in place; 0 if none.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub extern "C" fn ERR_peek_last_error() -> c_ulong {
    ffi_boundary!(0, { Some(err::peek_last()) })
}

/// Empties this thread's queue.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub extern "C" fn ERR_clear_error() {
    ffi_boundary!((), {
        err::clear();
        Some(())
    })
}

/// Writes "error:0A000086:SSL routines::certificate verify failed" (OpenSSL 3.0's form) into
/// `buf`, NUL-terminated; when that does not fit, OpenSSL's short "err:a000086:14:0:86" form,
/// truncated to `len - 1` bytes. Nothing for NULL or `len == 0`.
///
/// # Safety
/// `buf` is NULL or has room for `len` bytes.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize) {
    ffi_boundary!((), {
        if buf.is_null() || len == 0 {
            return None;
        }
        let mut text = err::describe(e);
        if text.len() >= len - 1 {
            // OpenSSL's fallback when the full text does not fit.
            text = err::describe_short(e);
        }
        let n = text.len().min(len - 1);
        // SAFETY: `buf` has room for `len > n` bytes per the caller.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), buf, n);
            *buf.add(n) = 0;
        }
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::err::{LIB_SSL, reason};

    #[test]
    fn entry_points_read_the_queue() {
        err::raise(LIB_SSL, reason::CERTIFICATE_VERIFY_FAILED);
        let e = ERR_peek_error();
        let mut buf = [0 as c_char; 80];
        // SAFETY: the buffer has 80 bytes.
        unsafe { ERR_error_string_n(e, buf.as_mut_ptr(), buf.len()) };
        // SAFETY: NUL-terminated above.
        let s = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
        assert_eq!(s, "error:0A000086:SSL routines::certificate verify failed");
        assert_eq!(ERR_get_error(), e);
        assert_eq!(ERR_get_error(), 0);
    }
}
