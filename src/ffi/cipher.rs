//! `SSL_CIPHER`: a pointer to a row of the static suite table, and the session's cipher and
//! master key.

use libc::{c_char, c_int, c_uchar};

use super::boundary::{SSL, SSL_CTX, SSL_SESSION, bytes, ffi_boundary};
use crate::core::cipher::{CIPHERS, Cipher, find};
use crate::core::session::MAX_MASTER_KEY_LEN;
use crate::state::err::{self, LIB_SSL, reason};

/// `SSL_CIPHER`: one cipher suite.
#[allow(non_camel_case_types)]
pub struct SSL_CIPHER {
    _opaque: [u8; 0],
}

fn to_c(c: &'static Cipher) -> *const SSL_CIPHER {
    (c as *const Cipher).cast()
}

/// The `SSL_CIPHER *` of a suite id, or NULL.
pub(crate) fn cipher_ptr(id: Option<u16>) -> *const SSL_CIPHER {
    id.and_then(find).map_or(std::ptr::null(), to_c)
}

/// The table row behind a cipher pointer; `None` for NULL or anything not from the table.
fn from_c(p: *const SSL_CIPHER) -> Option<&'static Cipher> {
    CIPHERS.iter().find(|c| to_c(c) == p)
}

/// The suite with the two-byte id at `ptr` (network order), or NULL if OpenSSL does not know
/// it (or for NULL arguments).
///
/// # Safety
/// `ssl` is NULL or a live connection; `ptr` is NULL or points to two bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_find(ssl: *mut SSL, ptr: *const c_uchar) -> *const SSL_CIPHER {
    ffi_boundary!(std::ptr::null(), |ssl, ptr: bytes(2)| {
        // OpenSSL only needs `ssl` to be there.
        let _ = ssl;
        find(u16::from_be_bytes([ptr[0], ptr[1]])).map(to_c)
    })
}

/// OpenSSL's name of the suite ("ECDHE-RSA-AES128-GCM-SHA256"), or "(NONE)" for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_name(c: *const SSL_CIPHER) -> *const c_char {
    ffi_boundary!(c"(NONE)".as_ptr(), { Some(from_c(c).map_or(c"(NONE)", |c| c.1).as_ptr()) })
}

/// The suite's strength in bits (AES-128: 128, AES-256 and ChaCha20: 256), with the key size
/// of its algorithm in `*alg_bits` when not NULL; 0 for NULL.
///
/// # Safety
/// `alg_bits` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_get_bits(c: *const SSL_CIPHER, alg_bits: *mut c_int) -> c_int {
    ffi_boundary!(0, {
        let (strength, alg) = from_c(c).and_then(|c| crate::core::cipher::bits(c.0))?;
        // SAFETY: NULL or writable (this function's contract).
        unsafe { super::boundary::write_out(alg_bits, alg) };
        Some(strength)
    })
}

/// A suite's row in the table of what OpenSSL answers about it.
fn facts_of(c: *const SSL_CIPHER) -> Option<&'static crate::core::cipher_facts::Facts> {
    from_c(c).and_then(|c| crate::core::cipher_facts::facts(c.0))
}

/// The NID of the suite's key exchange (`NID_kx_ecdhe`, ..., `NID_kx_any` for TLS 1.3);
/// `NID_undef` (0) for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_kx_nid(c: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, { Some(facts_of(c).map_or(0, |f| f.1)) })
}

/// The NID of the suite's authentication (`NID_auth_rsa`, `NID_auth_ecdsa`, ...,
/// `NID_auth_any` for TLS 1.3); `NID_undef` for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_auth_nid(c: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, { Some(facts_of(c).map_or(0, |f| f.2)) })
}

/// The NID of the suite's bulk cipher (`NID_aes_128_gcm`, ...); `NID_undef` for none or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_cipher_nid(c: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, { Some(facts_of(c).map_or(0, |f| f.3)) })
}

/// The NID of the suite's MAC digest; `NID_undef` for AEAD suites or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_digest_nid(c: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, { Some(facts_of(c).map_or(0, |f| f.4)) })
}

/// 1 if the suite's cipher is an AEAD (GCM, CCM, ChaCha20-Poly1305); 0 otherwise or for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_is_aead(c: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, { Some(facts_of(c).is_some_and(|f| f.5) as c_int) })
}

/// The oldest protocol version the suite is defined for ("TLSv1.2", "TLSv1.0", "SSLv3",
/// "TLSv1.3"), as OpenSSL names it; "(NONE)" for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_version(c: *const SSL_CIPHER) -> *const c_char {
    ffi_boundary!(c"(NONE)".as_ptr(), { Some(facts_of(c).map_or(c"(NONE)", |f| f.6).as_ptr()) })
}

/// The RFC name of the suite ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), or "(NONE)" for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_standard_name(c: *const SSL_CIPHER) -> *const c_char {
    ffi_boundary!(c"(NONE)".as_ptr(), { Some(from_c(c).map_or(c"(NONE)", |c| c.2).as_ptr()) })
}

/// OpenSSL's 32-bit id of the suite (`0x03000000 | protocol id`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_id(c: *const SSL_CIPHER) -> u32 {
    ffi_boundary!(0, { from_c(c).map(|c| 0x0300_0000 | u32::from(c.0)) })
}

/// The two-byte TLS id of the suite; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CIPHER_get_protocol_id(c: *const SSL_CIPHER) -> u16 {
    ffi_boundary!(0, { from_c(c).map(|c| c.0) })
}

/// Sets the session's cipher (NULL clears it): 1, or 0 for a NULL session.
///
/// # Safety
/// `s` is NULL or a live session; `cipher` is NULL or from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_cipher(s: *mut SSL_SESSION, cipher: *const SSL_CIPHER) -> c_int {
    ffi_boundary!(0, |s| {
        let suite = from_c(cipher).map(|c| c.0);
        s.update(|f| f.cipher = suite);
        Some(1)
    })
}

/// The session's cipher, or NULL (none set, or NULL session).
///
/// # Safety
/// `s` is NULL or a live session.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_cipher(s: *const SSL_SESSION) -> *const SSL_CIPHER {
    ffi_boundary!(std::ptr::null(), |s| {
        let suite = s.read().cipher;
        suite.and_then(find).map(to_c)
    })
}

/// Sets the master key (TLS 1.3: the resumption PSK): 1, or 0 if longer than 512 bytes (or
/// NULL).
///
/// # Safety
/// `sess` is NULL or a live session; `in_` points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set1_master_key(sess: *mut SSL_SESSION, in_: *const c_uchar, len: usize) -> c_int {
    ffi_boundary!(0, |sess| {
        if len > MAX_MASTER_KEY_LEN {
            return None;
        }
        // SAFETY: `in_` points to `len` bytes (this function's contract).
        let key = unsafe { bytes(in_, len) }?;
        sess.update(|f| f.master_key = key.into());
        Some(1)
    })
}

/// Copies up to `outlen` bytes of the master key to `out` and returns how many; with
/// `outlen == 0`, returns the key's length. 0 for a NULL session.
///
/// # Safety
/// `session` is NULL or a live session; `out` has room for `outlen` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_master_key(
    session: *const SSL_SESSION,
    out: *mut c_uchar,
    outlen: usize,
) -> usize {
    ffi_boundary!(0, |session| {
        let f = session.read();
        if outlen == 0 {
            return Some(f.master_key.len());
        }
        if out.is_null() {
            return None;
        }
        let n = outlen.min(f.master_key.len());
        // SAFETY: `out` has room for `outlen >= n` bytes per the caller.
        unsafe { std::ptr::copy_nonoverlapping(f.master_key.as_ptr(), out, n) };
        Some(n)
    })
}

/// Writes the suite's one-line description (name, minimum version, key exchange,
/// authentication, encryption, MAC, newline; OpenSSL's layout) into `buf` (at least 128 bytes)
/// or, with `buf == NULL`, into a new 128-byte buffer (free it with `OPENSSL_free`). Returns the
/// buffer; NULL if `len < 128` or `cipher` is not a suite of this library.
///
/// # Safety
/// `buf` is NULL or has room for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_description(
    cipher: *const SSL_CIPHER,
    buf: *mut c_char,
    len: c_int,
) -> *mut c_char {
    ffi_boundary!(std::ptr::null_mut(), {
        const SIZE: usize = 128;
        if !buf.is_null() && len < SIZE as c_int {
            return None;
        }
        let text = crate::core::cipher::describe(from_c(cipher)?.0)?;
        let out = if buf.is_null() {
            // SAFETY: plain allocation, checked for NULL; freed by the caller with OPENSSL_free.
            let p = unsafe { libc::malloc(SIZE) }.cast::<c_char>();
            if p.is_null() {
                return None;
            }
            p
        } else {
            buf
        };
        let n = text.len().min(SIZE - 1);
        // SAFETY: `out` has room for SIZE bytes (checked or allocated above).
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), out, n);
            out.add(n).write(0);
        }
        Some(out)
    })
}

/// Applies a cipher string to `settings`: 1, or 0 with an error queued.
fn set_tls12_list(settings: &mut crate::state::settings::ConnSettings, rules: &str) -> Option<c_int> {
    match crate::core::cipher_list::tls12_from_string(rules) {
        Ok(ids) => {
            settings.tls12_suites = Some(ids.into());
            Some(1)
        }
        Err(crate::core::cipher_list::ListError::InvalidCommand) => {
            err::raise(LIB_SSL, reason::INVALID_COMMAND);
            None
        }
        Err(crate::core::cipher_list::ListError::NoMatch) => {
            // As OpenSSL 3.0: the list is replaced before the check fails, so the connection is
            // left with no TLS 1.2 suite at all.
            settings.tls12_suites = Some(Vec::new().into());
            err::raise(LIB_SSL, reason::NO_CIPHER_MATCH);
            None
        }
    }
}

fn set_tls13_list(settings: &mut crate::state::settings::ConnSettings, list: &str) -> Option<c_int> {
    match crate::core::cipher_list::tls13_from_string(list) {
        Ok(ids) => {
            settings.tls13_suites = Some(ids.into());
            Some(1)
        }
        Err(_) => {
            err::raise(LIB_SSL, reason::NO_CIPHER_MATCH);
            None
        }
    }
}

/// Sets the TLS 1.2 suites of new connections from an OpenSSL cipher string ("HIGH:!aNULL",
/// "ECDHE+AESGCM:@STRENGTH"), evaluated as OpenSSL 3.0 does over the suites this library
/// negotiates (ECDHE with AES-GCM or ChaCha20-Poly1305): 1, or 0 with `SSL_R_NO_CIPHER_MATCH`
/// when none of them is selected (also when OpenSSL would select only suites rustls does not
/// implement, such as CBC or DHE ones: then, as in OpenSSL, no TLS 1.2 suite is left),
/// `SSL_R_INVALID_COMMAND` for a malformed string (the list is unchanged).
///
/// # Safety
/// `ctx` is NULL or a live context; `str_` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_cipher_list(ctx: *mut SSL_CTX, str_: *const c_char) -> c_int {
    ffi_boundary!(0, |ctx, str_: c_str| set_tls12_list(&mut ctx.tls.write().conn, str_))
}

/// As `SSL_CTX_set_cipher_list`, for this connection.
///
/// # Safety
/// `s` is NULL or a live connection; `str_` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_cipher_list(s: *mut SSL, str_: *const c_char) -> c_int {
    ffi_boundary!(0, |s, str_: c_str| s.update_settings(|c| set_tls12_list(c, str_)))
}

/// Sets the TLS 1.3 suites of new connections ("TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
/// names not offered here are skipped, as OpenSSL skips unknown ones; an empty list disables
/// TLS 1.3 suites): 1, or 0 with an error for a malformed list.
///
/// # Safety
/// `ctx` is NULL or a live context; `str_` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_ciphersuites(ctx: *mut SSL_CTX, str_: *const c_char) -> c_int {
    ffi_boundary!(0, |ctx, str_: c_str| set_tls13_list(&mut ctx.tls.write().conn, str_))
}

/// As `SSL_CTX_set_ciphersuites`, for this connection.
///
/// # Safety
/// `s` is NULL or a live connection; `str_` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_ciphersuites(s: *mut SSL, str_: *const c_char) -> c_int {
    ffi_boundary!(0, |s, str_: c_str| s.update_settings(|c| set_tls13_list(c, str_)))
}
