//! The texts programs log: alert types and descriptions, and the handshake state, as OpenSSL
//! 3.0's `ssl_stat.c` writes them.

use libc::{c_char, c_int};

use super::boundary::{SSL, ffi_boundary};
use crate::state::ssl::Handshake;

/// OpenSSL's alert descriptions: code, short text, long text.
const ALERTS: &[(u8, &std::ffi::CStr, &std::ffi::CStr)] = &[
    (0, c"CN", c"close notify"),
    (10, c"UM", c"unexpected_message"),
    (20, c"BM", c"bad record mac"),
    (21, c"DC", c"decryption failed"),
    (22, c"RO", c"record overflow"),
    (30, c"DF", c"decompression failure"),
    (40, c"HF", c"handshake failure"),
    (41, c"NC", c"no certificate"),
    (42, c"BC", c"bad certificate"),
    (43, c"UC", c"unsupported certificate"),
    (44, c"CR", c"certificate revoked"),
    (45, c"CE", c"certificate expired"),
    (46, c"CU", c"certificate unknown"),
    (47, c"IP", c"illegal parameter"),
    (48, c"CA", c"unknown CA"),
    (49, c"AD", c"access denied"),
    (50, c"DE", c"decode error"),
    (51, c"CY", c"decrypt error"),
    (60, c"ER", c"export restriction"),
    (70, c"PV", c"protocol version"),
    (71, c"IS", c"insufficient security"),
    (80, c"IE", c"internal error"),
    (90, c"US", c"user canceled"),
    (100, c"NR", c"no renegotiation"),
    (110, c"UE", c"unsupported extension"),
    (111, c"CO", c"certificate unobtainable"),
    (112, c"UN", c"unrecognized name"),
    (113, c"BR", c"bad certificate status response"),
    (114, c"BH", c"bad certificate hash value"),
    (115, c"UP", c"unknown PSK identity"),
    // OpenSSL has no short text for this one.
    (120, c"UK", c"no application protocol"),
];

fn alert(value: c_int) -> Option<&'static (u8, &'static std::ffi::CStr, &'static std::ffi::CStr)> {
    ALERTS.iter().find(|(code, _, _)| c_int::from(*code) == value & 0xff)
}

/// "warning", "fatal" or "unknown", from the level in the high byte of an info callback's
/// alert value.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_type_string_long(value: c_int) -> *const c_char {
    ffi_boundary!(c"unknown".as_ptr(), {
        Some(match value >> 8 {
            1 => c"warning".as_ptr(),
            2 => c"fatal".as_ptr(),
            _ => c"unknown".as_ptr(),
        })
    })
}

/// "W", "F" or "U", as `SSL_alert_type_string_long`.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_type_string(value: c_int) -> *const c_char {
    ffi_boundary!(c"U".as_ptr(), {
        Some(match value >> 8 {
            1 => c"W".as_ptr(),
            2 => c"F".as_ptr(),
            _ => c"U".as_ptr(),
        })
    })
}

/// The alert's description (low byte of `value`), e.g. "handshake failure"; "unknown" for a
/// code OpenSSL does not name.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_desc_string_long(value: c_int) -> *const c_char {
    ffi_boundary!(c"unknown".as_ptr(), { Some(alert(value).map_or(c"unknown".as_ptr(), |a| a.2.as_ptr())) })
}

/// The alert's two-letter code, e.g. "HF"; "UK" for a code OpenSSL does not name.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_desc_string(value: c_int) -> *const c_char {
    ffi_boundary!(c"UK".as_ptr(), { Some(alert(value).map_or(c"UK".as_ptr(), |a| a.1.as_ptr())) })
}

/// The handshake state in words: "before SSL initialization", "SSL negotiation finished
/// successfully", or "error" after a fatal error, as OpenSSL. sesscache does not track each
/// message of a handshake in progress: it then names the first one of the connection's role
/// ("SSLv3/TLS read client hello" on a server, "SSLv3/TLS write client hello" on a client).
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_state_string_long(s: *const SSL) -> *const c_char {
    ffi_boundary!(c"unknown state".as_ptr(), |s| {
        let (handshake, server) = {
            let st = s.state.lock();
            (st.handshake, st.is_server)
        };
        Some(match handshake {
            Handshake::Before => c"before SSL initialization".as_ptr(),
            Handshake::Done => c"SSL negotiation finished successfully".as_ptr(),
            Handshake::Failed => c"error".as_ptr(),
            Handshake::InProgress if server => c"SSLv3/TLS read client hello".as_ptr(),
            Handshake::InProgress => c"SSLv3/TLS write client hello".as_ptr(),
        })
    })
}

/// The six-letter form of `SSL_state_string_long` ("PINIT", "SSLOK", "SSLERR", "TRCH",
/// "TWCH").
///
/// # Safety
/// `s` is NULL or a live connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_state_string(s: *const SSL) -> *const c_char {
    ffi_boundary!(c"UNKWN".as_ptr(), |s| {
        let (handshake, server) = {
            let st = s.state.lock();
            (st.handshake, st.is_server)
        };
        Some(match handshake {
            Handshake::Before => c"PINIT".as_ptr(),
            Handshake::Done => c"SSLOK".as_ptr(),
            Handshake::Failed => c"SSLERR".as_ptr(),
            Handshake::InProgress if server => c"TRCH".as_ptr(),
            Handshake::InProgress => c"TWCH".as_ptr(),
        })
    })
}
