//! `SSL_SESSION`: creation, reference counting and field access.
//!
//! A `SSL_SESSION *` is `Arc::into_raw` of a `Session`: `SSL_SESSION_up_ref` adds a strong
//! count, `SSL_SESSION_free` drops one.

use libc::{c_int, c_long, c_uchar, c_uint};
use std::sync::Arc;

use super::boundary::{ArcHandle, SSL_SESSION, bytes, ffi_boundary, write_out};
use crate::core::clock::{Clock, SystemClock};
use crate::core::der;
use crate::core::session::Session;

/// A new session with one reference: timeout 304 s, time now, version 0, no id, no cipher.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_SESSION_new() -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), { Some(SSL_SESSION::give(Session::new(SystemClock.now()))) })
}

/// Adds a reference: 1, or 0 for NULL.
///
/// # Safety
/// `ses` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_up_ref(ses: *mut SSL_SESSION) -> c_int {
    ffi_boundary!(0, |ses| {
        // The new reference is C's, at the same address.
        SSL_SESSION::give(Arc::clone(&ses));
        Some(1)
    })
}

/// Drops a reference; the last one frees the session. A cache holding the session has a
/// reference of its own, so freeing yours never removes it from a cache. NULL is ignored.
///
/// # Safety
/// `ses` is NULL or a live session whose reference the caller gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_free(ses: *mut SSL_SESSION) {
    ffi_boundary!((), {
        // SAFETY: `ses` is NULL or a live session whose reference the caller gives up.
        drop(unsafe { SSL_SESSION::take(ses) });
        Some(())
    })
}

/// A deep copy in no cache, with one reference; it keeps the "not resumable" mark. NULL for
/// NULL.
///
/// # Safety
/// `src` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_dup(src: *const SSL_SESSION) -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), |src| Some(SSL_SESSION::give(src.dup())))
}

/// The session id (a pointer into the session, valid while it lives) and, if `len` is not
/// NULL, its length. NULL (and length 0) for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_id(s: *const SSL_SESSION, len: *mut c_uint) -> *const c_uchar {
    ffi_boundary!(std::ptr::null(), |s: Option| {
        let (field, n) = short_field(s.as_deref(), |f| &f.id);
        // SAFETY: `len` is NULL or writable (this function's contract).
        unsafe { write_out(len, n) };
        Some(field)
    })
}

/// A pointer to one of the session's inline byte fields (valid while the session lives) and
/// its length; NULL and length 0 for no session.
fn short_field<const N: usize>(
    s: Option<&Arc<Session>>,
    field: impl FnOnce(&crate::core::session::SessionFields) -> &crate::core::session::ShortBytes<N>,
) -> (*const c_uchar, c_uint) {
    let Some(s) = s else {
        return (std::ptr::null(), 0);
    };
    let f = s.read();
    let bytes = field(&f);
    (bytes.buffer().as_ptr(), bytes.as_slice().len() as c_uint)
}

/// Sets the session id: 1, or 0 if longer than 32 bytes (or NULL). A cached session keeps the
/// key it was cached under, as in OpenSSL.
///
/// # Safety
/// `s` is NULL or a live session; `sid` points to `sid_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_id(s: *mut SSL_SESSION, sid: *const c_uchar, sid_len: c_uint) -> c_int {
    ffi_boundary!(0, |s, sid: bytes(sid_len)| {
        if super::checked::enabled() && s.is_cached() {
            super::checked::report("SSL_SESSION_set1_id on a session that sits in a cache (it stays under its old id)");
        }
        Some(s.set_id(sid) as c_int)
    })
}

/// The session id context (a pointer into the session) and its length. NULL for NULL.
///
/// # Safety
/// `s` is NULL or a live session; `len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_id_context(s: *const SSL_SESSION, len: *mut c_uint) -> *const c_uchar {
    ffi_boundary!(std::ptr::null(), |s: Option| {
        let (field, n) = short_field(s.as_deref(), |f| &f.sid_ctx);
        // SAFETY: `len` is NULL or writable (this function's contract).
        unsafe { write_out(len, n) };
        Some(field)
    })
}

/// Sets the session id context: 1, or 0 if longer than 32 bytes (or NULL).
///
/// # Safety
/// `s` is NULL or a live session; `sid_ctx` points to `sid_ctx_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_id_context(
    s: *mut SSL_SESSION,
    sid_ctx: *const c_uchar,
    sid_ctx_len: c_uint,
) -> c_int {
    ffi_boundary!(0, |s, sid_ctx: bytes(sid_ctx_len)| Some(s.set_sid_ctx(sid_ctx) as c_int))
}

/// The creation time in seconds since the epoch; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_time(s: *const SSL_SESSION) -> c_long {
    ffi_boundary!(0, |s| Some(s.time() as c_long))
}

/// Sets the creation time, re-sorting the session in the caches that hold it. Returns `t`
/// (so 0 for `t == 0`), as OpenSSL does; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_time(s: *mut SSL_SESSION, t: c_long) -> c_long {
    ffi_boundary!(0, |s| {
        s.set_time(t as i64);
        Some(t)
    })
}

/// The timeout in seconds; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_timeout(s: *const SSL_SESSION) -> c_long {
    ffi_boundary!(0, |s| Some(s.timeout() as c_long))
}

/// Sets the timeout, re-sorting the session in its caches: 1, or 0 for a negative `t` or NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_timeout(s: *mut SSL_SESSION, t: c_long) -> c_long {
    ffi_boundary!(0, |s| Some(s.set_timeout(t as i64) as c_long))
}

/// 1 if the session can be offered for resumption: not removed or invalidated, and it has
/// an id or a ticket. 0 otherwise or for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_is_resumable(s: *const SSL_SESSION) -> c_int {
    ffi_boundary!(0, |s| Some(s.is_resumable() as c_int))
}

/// The protocol version (`TLS1_2_VERSION`…), 0 if unset or for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_protocol_version(s: *const SSL_SESSION) -> c_int {
    ffi_boundary!(0, |s| Some(s.version()))
}

/// Sets the protocol version: 1 (0 for NULL). Like OpenSSL, a cached session keeps its key.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_protocol_version(s: *mut SSL_SESSION, version: c_int) -> c_int {
    ffi_boundary!(0, |s| {
        s.set_version(version);
        Some(1)
    })
}

/// Writes the session's DER (OpenSSL's `SSL_SESSION_ASN1`) and returns its length; 0 when the
/// session has no cipher, or for NULL. With `pp == NULL` only the length is returned; with
/// `*pp == NULL` a buffer is allocated (free it with `OPENSSL_free`) and stored in `*pp`;
/// otherwise the bytes are written at `*pp`, which is advanced past them.
///
/// # Safety
/// `in_` is NULL or a live session; `pp` is NULL or points to NULL or to a buffer large enough
/// for the encoding (ask for the length first).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn i2d_SSL_SESSION(in_: *const SSL_SESSION, pp: *mut *mut c_uchar) -> c_int {
    ffi_boundary!(0, |in_| {
        let der = der::encode(&in_.read())?;
        let len = c_int::try_from(der.len()).ok()?;
        if pp.is_null() {
            return Some(len);
        }
        // SAFETY: `pp` is non-NULL and readable per the caller.
        let out = unsafe { *pp };
        if out.is_null() {
            // SAFETY: plain allocation of `der.len()` bytes; checked for NULL below.
            let buf = unsafe { libc::malloc(der.len()) }.cast::<c_uchar>();
            if buf.is_null() {
                return None;
            }
            // SAFETY: `buf` has room for `der.len()` bytes and does not overlap `der`.
            unsafe {
                std::ptr::copy_nonoverlapping(der.as_ptr(), buf, der.len());
                *pp = buf;
            }
        } else {
            // SAFETY: the caller's buffer holds at least `len` bytes; `*pp` is writable.
            unsafe {
                std::ptr::copy_nonoverlapping(der.as_ptr(), out, der.len());
                *pp = out.add(der.len());
            }
        }
        Some(len)
    })
}

/// Reads one DER session from `*pp` (at most `length` bytes) and advances `*pp` past it. With
/// `a` and `*a` non-NULL the session `*a` is filled in and returned; with `a` non-NULL and
/// `*a` NULL the new session is also stored in `*a`. NULL on any error, `*pp` unchanged. A
/// missing or zero time becomes now; a missing or zero timeout becomes 3 seconds. A new
/// session comes with one reference the caller owns (in a get-session callback, hand it over
/// with `*copy = 0`).
///
/// # Safety
/// `a` is NULL or points to NULL or a live session; `pp` is NULL or points to NULL or to
/// `length` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn d2i_SSL_SESSION(
    a: *mut *mut SSL_SESSION,
    pp: *mut *const c_uchar,
    length: c_long,
) -> *mut SSL_SESSION {
    ffi_boundary!(std::ptr::null_mut(), {
        if pp.is_null() || length <= 0 {
            return None;
        }
        // SAFETY: `pp` is non-NULL and readable per the caller.
        let start = unsafe { *pp };
        // SAFETY: `start` points to `length` readable bytes per the caller.
        let input = unsafe { bytes(start, length as usize) }?;
        let (fields, used) = match der::decode(input, SystemClock.now()) {
            Ok(decoded) => decoded,
            Err(e) => {
                raise_decode_error(&e);
                return None;
            }
        };
        // SAFETY: `a` is NULL or readable per the caller.
        let existing = if a.is_null() { std::ptr::null_mut() } else { unsafe { *a } };
        // SAFETY: a non-NULL `*a` is a live session per the caller.
        let result = match unsafe { SSL_SESSION::borrow(existing) } {
            Some(s) => {
                s.replace_fields(fields);
                existing
            }
            None => {
                let p = SSL_SESSION::give(Session::from_fields(fields));
                if !a.is_null() {
                    // SAFETY: `a` is non-NULL and writable per the caller.
                    unsafe { *a = p };
                }
                p
            }
        };
        // SAFETY: `used <= length`, so the advanced pointer stays within the caller's buffer.
        unsafe { *pp = start.add(used) };
        Some(result)
    })
}

/// Queues the error OpenSSL's `d2i_SSL_SESSION` queues for this kind of bad input (it queues
/// none for an unknown cipher or an over-long field).
fn raise_decode_error(e: &der::DecodeError) {
    use crate::state::err::{LIB_ASN1, LIB_SSL, raise, reason};
    match e {
        der::DecodeError::Asn1(_) => raise(LIB_ASN1, reason::NESTED_ASN1_ERROR),
        der::DecodeError::UnknownVersion => raise(LIB_SSL, reason::UNKNOWN_SSL_VERSION),
        der::DecodeError::UnsupportedProtocol => raise(LIB_SSL, reason::UNSUPPORTED_SSL_VERSION),
        der::DecodeError::CipherLength => raise(LIB_SSL, reason::CIPHER_CODE_WRONG_LENGTH),
        der::DecodeError::BadCipher | der::DecodeError::BadLength => {}
    }
}

/// Frees memory that `i2d_SSL_SESSION` allocated (`OPENSSL_free`).
///
/// # Safety
/// `addr` is NULL or was allocated by this library.
#[cfg(not(feature = "libcrypto"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn CRYPTO_free(addr: *mut libc::c_void, file: *const libc::c_char, line: c_int) {
    let _ = (file, line);
    // SAFETY: the caller passes memory from `libc::malloc` (or NULL).
    unsafe { libc::free(addr) }
}

/// sesscache extension: how many `SSL_SESSION` objects exist in this process (for leak checks
/// in tests; not an OpenSSL function).
#[unsafe(no_mangle)]
pub extern "C" fn sesscache_live_sessions() -> c_long {
    ffi_boundary!(-1, { Some(crate::core::session::live_sessions() as c_long) })
}

/// The server name (SNI) recorded in the session (lent, valid until the session changes or is
/// freed); NULL if none.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_hostname(s: *const SSL_SESSION) -> *const libc::c_char {
    ffi_boundary!(std::ptr::null(), |s| Some(
        s.read().extra().hostname.as_ref().map_or(std::ptr::null(), |h| h.as_ptr())
    ))
}

/// Records a server name in the session (NULL clears it): 1, or 0 for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `hostname` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_hostname(s: *mut SSL_SESSION, hostname: *const libc::c_char) -> c_int {
    ffi_boundary!(0, |s| {
        let name = if hostname.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated (this function's contract).
            Some(unsafe { std::ffi::CStr::from_ptr(hostname) }.to_owned())
        };
        s.update(|f| f.update_extra(|e| e.hostname = name));
        Some(1)
    })
}

/// The ALPN protocol recorded in the session (lent) and its length; NULL and 0 if none.
///
/// # Safety
/// `s` is NULL or a live session; `alpn` and `len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_alpn_selected(
    s: *const SSL_SESSION,
    alpn: *mut *const c_uchar,
    len: *mut usize,
) {
    ffi_boundary!((), |s| {
        let (p, n) = s.read().extra().alpn_selected.as_ref().map_or((std::ptr::null(), 0), |a| (a.as_ptr(), a.len()));
        // SAFETY: writable (this function's contract).
        unsafe {
            write_out(alpn, p);
            write_out(len, n);
        }
        Some(())
    })
}

/// Sets the session's ALPN protocol (NULL or length 0 clears it): 1, or 0 for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `alpn` points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_alpn_selected(
    s: *mut SSL_SESSION,
    alpn: *const c_uchar,
    len: usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        // SAFETY: `alpn` points to `len` bytes (this function's contract); NULL gives None.
        let value = if len == 0 { None } else { unsafe { bytes(alpn, len) }.map(<[u8]>::to_vec) };
        s.update(|f| f.update_extra(|e| e.alpn_selected = value));
        Some(1)
    })
}

/// 1 if the session holds a ticket (a client's, received from the server); 0 otherwise or for
/// NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_has_ticket(s: *const SSL_SESSION) -> c_int {
    ffi_boundary!(0, |s| Some(s.read().extra().ticket.as_ref().is_some_and(|t| !t.is_empty()) as c_int))
}

/// The lifetime hint, in seconds, the server sent with the session's ticket; 0 if none or for
/// NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_ticket_lifetime_hint(s: *const SSL_SESSION) -> libc::c_ulong {
    ffi_boundary!(0, |s| Some(s.read().ticket_lifetime_hint as libc::c_ulong))
}

/// The session's ticket (lent) in `*tick` when `tick` is not NULL, and its length in `*len`
/// (0 and NULL when there is none).
///
/// # Safety
/// `s` is NULL or a live session; `tick` is NULL or writable; `len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_ticket(s: *const SSL_SESSION, tick: *mut *const c_uchar, len: *mut usize) {
    ffi_boundary!((), |s| {
        let (p, n) = s.read().extra().ticket.as_ref().map_or((std::ptr::null(), 0), |t| (t.as_ptr(), t.len()));
        // SAFETY: writable or NULL (this function's contract).
        unsafe {
            write_out(len, n);
            write_out(tick, p);
        }
        Some(())
    })
}

/// The most early data, in bytes, the session allows; 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_max_early_data(s: *const SSL_SESSION) -> u32 {
    ffi_boundary!(0, |s| Some(s.read().max_early_data))
}

/// Sets the most early data the session allows: 1 (0 for NULL).
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_max_early_data(s: *mut SSL_SESSION, max_early_data: u32) -> c_int {
    ffi_boundary!(0, |s| {
        s.update(|f| f.max_early_data = max_early_data);
        Some(1)
    })
}

/// Stores application data with the session (it travels in the ticket and the DER; NULL or
/// length 0 clears it): 1, or 0 for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `data` points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_ticket_appdata(
    s: *mut SSL_SESSION,
    data: *const libc::c_void,
    len: usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        // SAFETY: `data` points to `len` bytes (this function's contract); NULL gives None.
        let value = if len == 0 { None } else { unsafe { bytes(data.cast(), len) }.map(<[u8]>::to_vec) };
        s.update(|f| f.update_extra(|e| e.ticket_appdata = value));
        Some(1)
    })
}

/// The application data stored with the session (lent) and its length (NULL and 0 if none):
/// 1, or 0 for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `data` and `len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_ticket_appdata(
    s: *mut SSL_SESSION,
    data: *mut *mut libc::c_void,
    len: *mut usize,
) -> c_int {
    ffi_boundary!(0, |s| {
        let (p, n) = s
            .read()
            .extra()
            .ticket_appdata
            .as_ref()
            .map_or((std::ptr::null_mut(), 0), |a| (a.as_ptr() as *mut _, a.len()));
        // SAFETY: writable (this function's contract).
        unsafe {
            write_out(data, p);
            write_out(len, n);
        }
        Some(1)
    })
}

/// The compression method's id (always 0: compression is never negotiated, and OpenSSL 3.0's
/// builds have none); 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_compress_id(s: *const SSL_SESSION) -> c_uint {
    ffi_boundary!(0, |s| Some(c_uint::from(s.read().compress_meth)))
}

/// The maximum fragment length mode negotiated for the session
/// (`TLSEXT_max_fragment_length_DISABLED` when none was); 0 for NULL.
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_max_fragment_length(s: *const SSL_SESSION) -> u8 {
    ffi_boundary!(0, |s| {
        let mode = s.read().max_fragment_len_mode;
        Some(if mode == crate::core::session::MAX_FRAGMENT_LEN_UNSPECIFIED { 0 } else { mode })
    })
}
