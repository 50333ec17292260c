//! `PEM_write_SSL_SESSION` / `PEM_read_SSL_SESSION`: the session DER in a PEM block labelled
//! "SSL SESSION PARAMETERS", as `openssl sess_id` reads and writes it.

use libc::{FILE, c_char, c_int, c_void};
use pem_rfc7468::LineEnding;

use super::boundary::{ArcHandle, SSL_SESSION, ffi_boundary};
use crate::core::clock::{Clock, SystemClock};
use crate::core::der;
use crate::core::session::Session;
use crate::state::err::{self, LIB_PEM, reason};

/// cbindgen:ignore
const LABEL: &str = "SSL SESSION PARAMETERS";

/// Writes the session as PEM to `fp`: 1, or 0 (no cipher, NULL, or a write error).
///
/// # Safety
/// `fp` is NULL or an open `FILE *`; `x` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PEM_write_SSL_SESSION(fp: *mut FILE, x: *const SSL_SESSION) -> c_int {
    ffi_boundary!(0, |x| {
        if fp.is_null() {
            return None;
        }
        let der = der::encode(&x.read())?;
        let text = pem_rfc7468::encode_string(LABEL, LineEnding::LF, &der).ok()?;
        // SAFETY: `fp` is an open stream per the caller; the buffer holds `text.len()` bytes.
        let written = unsafe { libc::fwrite(text.as_ptr().cast::<c_void>(), 1, text.len(), fp) };
        Some((written == text.len()) as c_int)
    })
}

/// Reads the next "SSL SESSION PARAMETERS" PEM block from `fp` (lines before it are skipped)
/// into a new session, or into `*x` when `x` and `*x` are set; stores a new one in `*x` when
/// `x` is set. NULL with an error queued when there is none or it is malformed. `cb` and `u`
/// (passwords) are not used: session PEM is never encrypted.
///
/// # Safety
/// `fp` is NULL or an open `FILE *`; `x` is NULL or points to NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PEM_read_SSL_SESSION(
    fp: *mut FILE,
    x: *mut *mut SSL_SESSION,
    cb: Option<unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, u: *mut c_void) -> c_int>,
    u: *mut c_void,
) -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), {
        let _ = (cb, u);
        if fp.is_null() {
            return None;
        }
        let begin = format!("-----BEGIN {LABEL}-----");
        let end = format!("-----END {LABEL}-----");
        let mut block = String::new();
        let mut line = [0 as c_char; 1024];
        loop {
            // SAFETY: `line` has room for 1024 bytes; `fp` is open per the caller.
            let got = unsafe { libc::fgets(line.as_mut_ptr(), line.len() as c_int, fp) };
            if got.is_null() {
                err::raise(LIB_PEM, reason::NO_START_LINE);
                return None;
            }
            // SAFETY: fgets NUL-terminates what it read.
            let text = unsafe { std::ffi::CStr::from_ptr(line.as_ptr()) }.to_string_lossy();
            if block.is_empty() && !text.trim_end().eq(&begin) {
                continue;
            }
            block.push_str(&text);
            if text.trim_end() == end {
                break;
            }
        }
        let Ok((label, der_bytes)) = pem_rfc7468::decode_vec(block.as_bytes()) else {
            err::raise(LIB_PEM, reason::NO_START_LINE);
            return None;
        };
        if label != LABEL {
            err::raise(LIB_PEM, reason::NO_START_LINE);
            return None;
        }
        let Ok((fields, _)) = der::decode(&der_bytes, SystemClock.now()) else {
            err::raise(LIB_PEM, reason::NO_START_LINE);
            return None;
        };
        // SAFETY: `x` is NULL or readable per the caller.
        let existing = if x.is_null() { std::ptr::null_mut() } else { unsafe { *x } };
        // SAFETY: a non-NULL `*x` is a live session per the caller.
        let result = match unsafe { SSL_SESSION::borrow(existing) } {
            Some(s) => {
                s.replace_fields(fields);
                existing
            }
            None => {
                let p = SSL_SESSION::give(Session::from_fields(fields));
                if !x.is_null() {
                    // SAFETY: `x` is writable per the caller.
                    unsafe { *x = p };
                }
                p
            }
        };
        Some(result)
    })
}
