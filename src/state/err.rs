//! The thread-local error queue and OpenSSL 3.0's codes (`lib << 23 | reason`) and texts. The
//! drop-in `libssl.so.3` (feature `libcrypto`) reports on libcrypto's queue instead,
//! where programs read it.
#![cfg_attr(feature = "libcrypto", allow(dead_code, unused_imports))]

use libc::c_ulong;
use std::cell::RefCell;
use std::collections::VecDeque;

/// `ERR_LIB_SYS`.
pub const LIB_SYS: u32 = 2;
/// `ERR_LIB_PEM`.
pub const LIB_PEM: u32 = 9;
/// `ERR_LIB_X509`.
pub const LIB_X509: u32 = 11;
/// `ERR_LIB_ASN1`.
pub const LIB_ASN1: u32 = 13;
/// `ERR_LIB_SSL`.
pub const LIB_SSL: u32 = 20;

/// `SSL_R_*` / `X509_R_*` / `PEM_R_*` reason codes with OpenSSL 3.0's numbers and texts.
pub mod reason {
    pub const SSL_SESSION_ID_CONTEXT_TOO_LONG: u32 = 273;
    pub const CERTIFICATE_VERIFY_FAILED: u32 = 134;
    pub const NO_SHARED_CIPHER: u32 = 193;
    pub const NO_PROTOCOLS_AVAILABLE: u32 = 191;
    pub const UNEXPECTED_EOF_WHILE_READING: u32 = 294;
    pub const WRONG_VERSION_NUMBER: u32 = 267;
    pub const UNEXPECTED_MESSAGE: u32 = 244;
    /// OpenSSL 3.2's code; 3.0 has none for "another record-layer failure".
    pub const RECORD_LAYER_FAILURE: u32 = 313;
    pub const DECRYPTION_FAILED_OR_BAD_RECORD_MAC: u32 = 281;
    pub const PACKET_LENGTH_TOO_LONG: u32 = 198;
    pub const SESSION_ID_CONTEXT_UNINITIALIZED: u32 = 277;
    pub const NO_CERTIFICATE_ASSIGNED: u32 = 177;
    pub const NO_PRIVATE_KEY_ASSIGNED: u32 = 190;
    pub const UNSUPPORTED_PROTOCOL: u32 = 258;
    pub const PROTOCOL_IS_SHUTDOWN: u32 = 207;
    pub const SHUTDOWN_WHILE_IN_INIT: u32 = 407;
    pub const UNINITIALIZED: u32 = 276;
    pub const BAD_LENGTH: u32 = 271;
    pub const UNKNOWN_SSL_VERSION: u32 = 254;
    pub const UNSUPPORTED_SSL_VERSION: u32 = 259;
    pub const CIPHER_CODE_WRONG_LENGTH: u32 = 137;
    pub const UNKNOWN_CERTIFICATE_TYPE: u32 = 247;
    pub const NO_CERTIFICATE_SET: u32 = 179;
    pub const NO_CIPHER_MATCH: u32 = 185;
    pub const UNSUPPORTED_ELLIPTIC_CURVE: u32 = 315;
    pub const INVALID_TICKET_KEYS_LENGTH: u32 = 325;
    pub const UNSUPPORTED_STATUS_TYPE: u32 = 329;
    /// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED` (any library).
    pub const SHOULD_NOT_HAVE_BEEN_CALLED: u32 = 0xC0000 | 257;
    pub const UNKNOWN_CMD_NAME: u32 = 386;
    pub const INVALID_NULL_CMD_NAME: u32 = 385;
    pub const BAD_VALUE: u32 = 384;
    pub const INVALID_COMMAND: u32 = 280;
    pub const NULL_SSL_CTX: u32 = 195;
    pub const NO_APPLICATION_PROTOCOL: u32 = 235;
    pub const CALLBACK_FAILED: u32 = 234;
    pub const CERT_CB_ERROR: u32 = 377;
    pub const CLIENTHELLO_TLSEXT: u32 = 226;
    pub const PEER_DID_NOT_RETURN_A_CERTIFICATE: u32 = 199;
    pub const WRONG_SSL_VERSION: u32 = 266;
    pub const NO_RENEGOTIATION: u32 = 339;
    pub const EXTENSION_NOT_RECEIVED: u32 = 279;
    pub const NOT_SERVER: u32 = 284;
    pub const STILL_IN_INIT: u32 = 121;
    /// `ERR_R_PASSED_NULL_PARAMETER` (any library).
    pub const PASSED_NULL_PARAMETER: u32 = 0xC0000 | 258;
    /// `ASN1_R_NESTED_ASN1_ERROR` (library ASN1): malformed DER.
    pub const NESTED_ASN1_ERROR: u32 = 58;
    /// `SSL_R_SSLV3_ALERT_*` / `SSL_R_TLSV1_ALERT_*`: 1000 + the alert number.
    pub const ALERT_BASE: u32 = 1000;
    /// `X509_R_KEY_VALUES_MISMATCH` (library X509).
    pub const KEY_VALUES_MISMATCH: u32 = 116;
    /// `PEM_R_NO_START_LINE` (library PEM).
    pub const NO_START_LINE: u32 = 108;
    /// `ERR_R_SYS_LIB`-style "system library" for file errors (library SYS, reason = errno).
    pub const SYS_BASE: u32 = 0;
}

fn reason_text(lib: u32, r: u32) -> String {
    use reason::*;
    let known = match (lib, r) {
        (LIB_SSL, SSL_SESSION_ID_CONTEXT_TOO_LONG) => "ssl session id context too long",
        (LIB_SSL, CERTIFICATE_VERIFY_FAILED) => "certificate verify failed",
        (LIB_SSL, NO_SHARED_CIPHER) => "no shared cipher",
        (LIB_SSL, NO_PROTOCOLS_AVAILABLE) => "no protocols available",
        (LIB_SSL, UNEXPECTED_EOF_WHILE_READING) => "unexpected eof while reading",
        (LIB_SSL, WRONG_VERSION_NUMBER) => "wrong version number",
        (LIB_SSL, UNEXPECTED_MESSAGE) => "unexpected message",
        (LIB_SSL, RECORD_LAYER_FAILURE) => "record layer failure",
        (LIB_SSL, DECRYPTION_FAILED_OR_BAD_RECORD_MAC) => "decryption failed or bad record mac",
        (LIB_SSL, PACKET_LENGTH_TOO_LONG) => "packet length too long",
        (LIB_SSL, SESSION_ID_CONTEXT_UNINITIALIZED) => "session id context uninitialized",
        (LIB_SSL, NO_CERTIFICATE_ASSIGNED) => "no certificate assigned",
        (LIB_SSL, NO_PRIVATE_KEY_ASSIGNED) => "no private key assigned",
        (LIB_SSL, UNSUPPORTED_PROTOCOL) => "unsupported protocol",
        (LIB_SSL, PROTOCOL_IS_SHUTDOWN) => "protocol is shutdown",
        (LIB_SSL, SHUTDOWN_WHILE_IN_INIT) => "shutdown while in init",
        (LIB_SSL, UNINITIALIZED) => "uninitialized",
        (LIB_SSL, BAD_LENGTH) => "bad length",
        (LIB_SSL, UNKNOWN_SSL_VERSION) => "unknown ssl version",
        (LIB_SSL, UNSUPPORTED_SSL_VERSION) => "unsupported ssl version",
        (LIB_SSL, CIPHER_CODE_WRONG_LENGTH) => "cipher code wrong length",
        (LIB_SSL, UNKNOWN_CERTIFICATE_TYPE) => "unknown certificate type",
        (LIB_SSL, NO_CERTIFICATE_SET) => "no certificate set",
        (LIB_SSL, NO_CIPHER_MATCH) => "no cipher match",
        (LIB_SSL, UNSUPPORTED_ELLIPTIC_CURVE) => "unsupported elliptic curve",
        (LIB_SSL, INVALID_TICKET_KEYS_LENGTH) => "invalid ticket keys length",
        (LIB_SSL, UNSUPPORTED_STATUS_TYPE) => "unsupported status type",
        (LIB_SSL, UNKNOWN_CMD_NAME) => "unknown cmd name",
        (LIB_SSL, INVALID_NULL_CMD_NAME) => "invalid null cmd name",
        (LIB_SSL, BAD_VALUE) => "bad value",
        (LIB_SSL, INVALID_COMMAND) => "invalid command",
        (LIB_SSL, NULL_SSL_CTX) => "null ssl ctx",
        (LIB_SSL, NO_APPLICATION_PROTOCOL) => "no application protocol",
        (LIB_SSL, CALLBACK_FAILED) => "callback failed",
        (LIB_SSL, CERT_CB_ERROR) => "cert cb error",
        (LIB_SSL, CLIENTHELLO_TLSEXT) => "clienthello tlsext",
        (LIB_SSL, PEER_DID_NOT_RETURN_A_CERTIFICATE) => "peer did not return a certificate",
        (LIB_SSL, WRONG_SSL_VERSION) => "wrong ssl version",
        (LIB_SSL, NO_RENEGOTIATION) => "no renegotiation",
        (LIB_SSL, EXTENSION_NOT_RECEIVED) => "extension not received",
        (LIB_SSL, NOT_SERVER) => "not server",
        (LIB_SSL, STILL_IN_INIT) => "still in init",
        (LIB_ASN1, NESTED_ASN1_ERROR) => "nested asn1 error",
        (LIB_X509, KEY_VALUES_MISMATCH) => "key values mismatch",
        (LIB_PEM, NO_START_LINE) => "no start line",
        (LIB_SSL, r) if r >= ALERT_BASE && alert_text(r - ALERT_BASE).is_some() => {
            alert_text(r - ALERT_BASE).unwrap_or_default()
        }
        (LIB_SYS, errno) => return std::io::Error::from_raw_os_error(errno as i32).to_string(),
        _ => return format!("reason({r})"),
    };
    known.to_string()
}

/// OpenSSL's text for the reason "alert received" (`SSL_AD_REASON_OFFSET` + alert).
fn alert_text(alert: u32) -> Option<&'static str> {
    Some(match alert {
        10 => "sslv3 alert unexpected message",
        20 => "sslv3 alert bad record mac",
        21 => "tlsv1 alert decryption failed",
        22 => "tlsv1 alert record overflow",
        30 => "sslv3 alert decompression failure",
        40 => "sslv3 alert handshake failure",
        41 => "sslv3 alert no certificate",
        42 => "sslv3 alert bad certificate",
        43 => "sslv3 alert unsupported certificate",
        44 => "sslv3 alert certificate revoked",
        45 => "sslv3 alert certificate expired",
        46 => "sslv3 alert certificate unknown",
        47 => "sslv3 alert illegal parameter",
        48 => "tlsv1 alert unknown ca",
        49 => "tlsv1 alert access denied",
        50 => "tlsv1 alert decode error",
        51 => "tlsv1 alert decrypt error",
        60 => "tlsv1 alert export restriction",
        70 => "tlsv1 alert protocol version",
        71 => "tlsv1 alert insufficient security",
        80 => "tlsv1 alert internal error",
        86 => "tlsv1 alert inappropriate fallback",
        90 => "tlsv1 alert user cancelled",
        100 => "tlsv1 alert no renegotiation",
        109 => "tlsv13 alert missing extension",
        110 => "tlsv1 unsupported extension",
        111 => "tlsv1 certificate unobtainable",
        112 => "tlsv1 unrecognized name",
        113 => "tlsv1 bad certificate status response",
        114 => "tlsv1 bad certificate hash value",
        115 => "tlsv1 alert unknown psk identity",
        116 => "tlsv13 alert certificate required",
        120 => "tlsv1 alert no application protocol",
        _ => return None,
    })
}

fn lib_text(lib: u32) -> &'static str {
    match lib {
        LIB_SYS => "system library",
        LIB_PEM => "PEM routines",
        LIB_X509 => "x509 certificate routines",
        LIB_ASN1 => "asn1 encoding routines",
        LIB_SSL => "SSL routines",
        _ => "unknown library",
    }
}

/// `ERR_SYSTEM_FLAG`: system errors carry `errno` under this bit instead of a library number.
const SYSTEM_FLAG: c_ulong = 0x8000_0000;

/// OpenSSL 3.0's packing of a library and reason into one code (`errno` for system errors).
pub fn pack(lib: u32, reason: u32) -> c_ulong {
    if lib == LIB_SYS {
        return SYSTEM_FLAG | (reason & 0x7fff_ffff) as c_ulong;
    }
    (((lib & 0xff) << 23) | (reason & 0x7f_ffff)) as c_ulong
}

/// The library and reason of a packed code.
pub fn unpack(e: c_ulong) -> (u32, u32) {
    if e & SYSTEM_FLAG != 0 {
        return (LIB_SYS, (e & !SYSTEM_FLAG) as u32);
    }
    (((e >> 23) & 0xff) as u32, (e & 0x7f_ffff) as u32)
}

thread_local! {
    static QUEUE: RefCell<VecDeque<c_ulong>> = const { RefCell::new(VecDeque::new()) };
}

/// Every `SSL_R_*` reason this library raises (alerts apart).
#[cfg(feature = "libcrypto")]
const SSL_REASONS: &[u32] = {
    use reason::*;
    &[
        SSL_SESSION_ID_CONTEXT_TOO_LONG,
        CERTIFICATE_VERIFY_FAILED,
        NO_SHARED_CIPHER,
        NO_PROTOCOLS_AVAILABLE,
        UNEXPECTED_EOF_WHILE_READING,
        WRONG_VERSION_NUMBER,
        UNEXPECTED_MESSAGE,
        RECORD_LAYER_FAILURE,
        DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        PACKET_LENGTH_TOO_LONG,
        SESSION_ID_CONTEXT_UNINITIALIZED,
        NO_CERTIFICATE_ASSIGNED,
        NO_PRIVATE_KEY_ASSIGNED,
        UNSUPPORTED_PROTOCOL,
        PROTOCOL_IS_SHUTDOWN,
        SHUTDOWN_WHILE_IN_INIT,
        UNINITIALIZED,
        BAD_LENGTH,
        UNKNOWN_SSL_VERSION,
        UNSUPPORTED_SSL_VERSION,
        CIPHER_CODE_WRONG_LENGTH,
        UNKNOWN_CERTIFICATE_TYPE,
        NO_CERTIFICATE_SET,
        NO_CIPHER_MATCH,
        UNSUPPORTED_ELLIPTIC_CURVE,
        INVALID_TICKET_KEYS_LENGTH,
        UNKNOWN_CMD_NAME,
        INVALID_NULL_CMD_NAME,
        BAD_VALUE,
        INVALID_COMMAND,
        NULL_SSL_CTX,
        NO_APPLICATION_PROTOCOL,
        CALLBACK_FAILED,
        CERT_CB_ERROR,
        CLIENTHELLO_TLSEXT,
        PEER_DID_NOT_RETURN_A_CERTIFICATE,
        WRONG_SSL_VERSION,
        NO_RENEGOTIATION,
        EXTENSION_NOT_RECEIVED,
        NOT_SERVER,
        STILL_IN_INIT,
    ]
};

/// Gives libcrypto the texts of the SSL reasons, as OpenSSL's libssl does when it starts, so
/// that `ERR_error_string` and friends print them. Once per process.
#[cfg(feature = "libcrypto")]
pub fn load_strings() {
    use crate::sys::libcrypto::ERR_STRING_DATA;
    /// The texts and the table libcrypto points into, kept for the life of the process.
    struct Table(#[allow(dead_code)] Vec<std::ffi::CString>, Vec<ERR_STRING_DATA>);
    // SAFETY: written once, then only read (by libcrypto).
    unsafe impl Sync for Table {}
    // SAFETY: as above.
    unsafe impl Send for Table {}
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let mut made = false;
    let table = TABLE.get_or_init(|| {
        made = true;
        let alerts = (0..=255u32).filter(|a| alert_text(*a).is_some()).map(|a| reason::ALERT_BASE + a);
        let texts: Vec<(u32, std::ffi::CString)> = SSL_REASONS
            .iter()
            .copied()
            .chain(alerts)
            .filter_map(|r| Some((r, std::ffi::CString::new(reason_text(LIB_SSL, r)).ok()?)))
            .collect();
        let mut entries: Vec<ERR_STRING_DATA> =
            texts.iter().map(|(r, t)| ERR_STRING_DATA { error: pack(LIB_SSL, *r), string: t.as_ptr() }).collect();
        entries.push(ERR_STRING_DATA { error: 0, string: std::ptr::null() });
        Table(texts.into_iter().map(|(_, t)| t).collect(), entries)
    });
    if made {
        // SAFETY: a table ending with a zero entry, alive for the life of the process.
        unsafe { crate::sys::libcrypto::ERR_load_strings_const(table.1.as_ptr()) };
    }
}

/// Queues an error on this thread (`ERR_raise`).
#[cfg(feature = "libcrypto")]
pub fn raise(lib: u32, reason: u32) {
    load_strings();
    // SAFETY: libcrypto's error functions, called as `ERR_raise` does; no format arguments.
    unsafe {
        crate::sys::libcrypto::ERR_new();
        crate::sys::libcrypto::ERR_set_error(lib as libc::c_int, reason as libc::c_int, std::ptr::null());
    }
}

/// The earliest error on this thread's queue, left in place; 0 if none.
#[cfg(feature = "libcrypto")]
pub fn peek() -> c_ulong {
    // SAFETY: a plain libcrypto query.
    unsafe { crate::sys::libcrypto::ERR_peek_error() }
}

/// The earliest error on this thread's queue, left in place; 0 if none.
#[cfg(not(feature = "libcrypto"))]
pub fn peek() -> c_ulong {
    QUEUE.with(|q| q.borrow().front().copied().unwrap_or(0))
}

/// Queues an error on this thread (`ERR_raise`).
#[cfg(not(feature = "libcrypto"))]
pub fn raise(lib: u32, reason: u32) {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        // OpenSSL keeps the 16 most recent errors.
        if q.len() == 16 {
            q.pop_front();
        }
        q.push_back(pack(lib, reason));
    });
}

/// The earliest error on this thread's queue, removed from it; 0 if none.
#[cfg(not(feature = "libcrypto"))]
pub fn pop() -> c_ulong {
    QUEUE.with(|q| q.borrow_mut().pop_front().unwrap_or(0))
}

/// The most recent error on this thread's queue, left in place; 0 if none.
#[cfg(not(feature = "libcrypto"))]
pub fn peek_last() -> c_ulong {
    QUEUE.with(|q| q.borrow().back().copied().unwrap_or(0))
}

/// Empties this thread's queue.
#[cfg(feature = "libcrypto")]
pub fn clear() {
    // SAFETY: a plain libcrypto call on this thread's queue.
    unsafe { crate::sys::libcrypto::ERR_clear_error() }
}

/// Empties this thread's queue.
#[cfg(not(feature = "libcrypto"))]
pub fn clear() {
    QUEUE.with(|q| q.borrow_mut().clear())
}

/// OpenSSL 3.0's text for a code: "error:0A000086:SSL routines::certificate verify failed".
pub fn describe(e: c_ulong) -> String {
    let (lib, r) = unpack(e);
    format!("error:{e:08X}:{}::{}", lib_text(lib), reason_text(lib, r))
}

/// OpenSSL's short form, used when the full text does not fit: "err:a000086:14:0:86".
pub fn describe_short(e: c_ulong) -> String {
    let (lib, r) = unpack(e);
    format!("err:{e:x}:{lib:x}:0:{r:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_and_text_match_openssl() {
        assert_eq!(pack(LIB_SSL, reason::CERTIFICATE_VERIFY_FAILED), 0x0A000086);
        assert_eq!(describe(0x0A000086), "error:0A000086:SSL routines::certificate verify failed");
        assert_eq!(describe_short(0x0A000086), "err:a000086:14:0:86");
        assert_eq!(pack(LIB_SYS, 2), 0x8000_0002);
        assert_eq!(unpack(0x8000_0002), (LIB_SYS, 2));
    }
}
