//! OpenSSL 3.0's constants of the API, with their C names: the header defines them from here,
//! and each one the library acts on is checked against the value the code uses.

use libc::{c_int, c_long};

/// Protocol versions.
pub const SSL3_VERSION: c_int = 0x0300;
pub const TLS1_VERSION: c_int = 0x0301;
pub const TLS1_1_VERSION: c_int = 0x0302;
pub const TLS1_2_VERSION: c_int = 0x0303;
pub const TLS1_3_VERSION: c_int = 0x0304;
pub const TLS_ANY_VERSION: c_int = 0x10000;

/// Lengths.
pub const SSL_SESSION_ASN1_VERSION: c_int = 0x0001;
pub const SSL_MAX_SSL_SESSION_ID_LENGTH: c_int = 32;
pub const SSL_MAX_SID_CTX_LENGTH: c_int = 32;
pub const SSL3_SSL_SESSION_ID_LENGTH: c_int = 32;
pub const SSL_MAX_MASTER_KEY_LENGTH: c_int = 48;

/// Shutdown state (`SSL_get_shutdown`, `SSL_set_shutdown`).
pub const SSL_SENT_SHUTDOWN: c_int = 1;
pub const SSL_RECEIVED_SHUTDOWN: c_int = 2;

/// Session cache modes (`SSL_CTX_set_session_cache_mode`) and the default size.
pub const SSL_SESSION_CACHE_MAX_SIZE_DEFAULT: c_int = 1024 * 20;
pub const SSL_SESS_CACHE_OFF: c_int = 0x0000;
pub const SSL_SESS_CACHE_CLIENT: c_int = 0x0001;
pub const SSL_SESS_CACHE_SERVER: c_int = 0x0002;
pub const SSL_SESS_CACHE_BOTH: c_int = SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_SERVER;
pub const SSL_SESS_CACHE_NO_AUTO_CLEAR: c_int = 0x0080;
pub const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP: c_int = 0x0100;
pub const SSL_SESS_CACHE_NO_INTERNAL_STORE: c_int = 0x0200;
pub const SSL_SESS_CACHE_NO_INTERNAL: c_int = SSL_SESS_CACHE_NO_INTERNAL_LOOKUP | SSL_SESS_CACHE_NO_INTERNAL_STORE;
pub const SSL_SESS_CACHE_UPDATE_TIME: c_int = 0x0400;

/// `SSL_CTX_ctrl` / `SSL_ctrl` commands (the macros below wrap them).
pub const SSL_CTRL_SESS_NUMBER: c_int = 20;
pub const SSL_CTRL_SESS_CONNECT: c_int = 21;
pub const SSL_CTRL_SESS_CONNECT_GOOD: c_int = 22;
pub const SSL_CTRL_SESS_CONNECT_RENEGOTIATE: c_int = 23;
pub const SSL_CTRL_SESS_ACCEPT: c_int = 24;
pub const SSL_CTRL_SESS_ACCEPT_GOOD: c_int = 25;
pub const SSL_CTRL_SESS_ACCEPT_RENEGOTIATE: c_int = 26;
pub const SSL_CTRL_SESS_HIT: c_int = 27;
pub const SSL_CTRL_SESS_CB_HIT: c_int = 28;
pub const SSL_CTRL_SESS_MISSES: c_int = 29;
pub const SSL_CTRL_SESS_TIMEOUTS: c_int = 30;
pub const SSL_CTRL_SESS_CACHE_FULL: c_int = 31;
pub const SSL_CTRL_SET_SESS_CACHE_SIZE: c_int = 42;
pub const SSL_CTRL_GET_SESS_CACHE_SIZE: c_int = 43;
pub const SSL_CTRL_SET_SESS_CACHE_MODE: c_int = 44;
pub const SSL_CTRL_GET_SESS_CACHE_MODE: c_int = 45;
pub const SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
pub const SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
pub const SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
pub const SSL_CTRL_GET_MIN_PROTO_VERSION: c_int = 130;
pub const SSL_CTRL_GET_MAX_PROTO_VERSION: c_int = 131;
pub const SSL_CTRL_SET_TMP_DH: c_int = 3;
pub const SSL_CTRL_SET_TMP_ECDH: c_int = 4;
pub const SSL_CTRL_GET_SESSION_REUSED: c_int = 8;
pub const SSL_CTRL_GET_CLIENT_CERT_REQUEST: c_int = 9;
pub const SSL_CTRL_GET_NUM_RENEGOTIATIONS: c_int = 10;
pub const SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS: c_int = 11;
pub const SSL_CTRL_GET_TOTAL_RENEGOTIATIONS: c_int = 12;
pub const SSL_CTRL_EXTRA_CHAIN_CERT: c_int = 14;
pub const SSL_CTRL_MODE: c_int = 33;
pub const SSL_CTRL_GET_READ_AHEAD: c_int = 40;
pub const SSL_CTRL_SET_READ_AHEAD: c_int = 41;
pub const SSL_CTRL_GET_MAX_CERT_LIST: c_int = 50;
pub const SSL_CTRL_SET_MAX_CERT_LIST: c_int = 51;
pub const SSL_CTRL_SET_MAX_SEND_FRAGMENT: c_int = 52;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: c_int = 53;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: c_int = 54;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB: c_int = 63;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG: c_int = 64;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP: c_int = 71;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB: c_int = 72;
pub const SSL_CTRL_GET_TLSEXT_TICKET_KEYS: c_int = 58;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEYS: c_int = 59;
pub const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;
pub const SSL_CTRL_CLEAR_MODE: c_int = 78;
pub const SSL_CTRL_GET_EXTRA_CHAIN_CERTS: c_int = 82;
pub const SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS: c_int = 83;
pub const SSL_CTRL_CHAIN: c_int = 88;
pub const SSL_CTRL_CHAIN_CERT: c_int = 89;
pub const SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
pub const SSL_CTRL_SET_ECDH_AUTO: c_int = 94;
pub const SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;
pub const SSL_CTRL_SELECT_CURRENT_CERT: c_int = 116;
pub const SSL_CTRL_SET_CURRENT_CERT: c_int = 117;
pub const SSL_CTRL_SET_DH_AUTO: c_int = 118;
pub const SSL_CTRL_GET_EXTMS_SUPPORT: c_int = 122;
pub const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
/// `SSL_CTX_set_current_cert` operations.
pub const SSL_CERT_SET_FIRST: c_long = 1;
pub const SSL_CERT_SET_NEXT: c_long = 2;
pub const SSL_CERT_SET_SERVER: c_long = 3;
/// `SSL_CTX_set_mode` bits.
pub const SSL_MODE_ENABLE_PARTIAL_WRITE: c_long = 0x1;
pub const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: c_long = 0x2;
pub const SSL_MODE_AUTO_RETRY: c_long = 0x4;
pub const SSL_MODE_NO_AUTO_CHAIN: c_long = 0x8;
pub const SSL_MODE_RELEASE_BUFFERS: c_long = 0x10;
/// Servername, ALPN and ticket-key callback results.
pub const SSL_TLSEXT_ERR_OK: c_int = 0;
pub const SSL_TLSEXT_ERR_ALERT_WARNING: c_int = 1;
pub const SSL_TLSEXT_ERR_ALERT_FATAL: c_int = 2;
pub const SSL_TLSEXT_ERR_NOACK: c_int = 3;
/// ClientHello callback results.
pub const SSL_CLIENT_HELLO_SUCCESS: c_int = 1;
pub const SSL_CLIENT_HELLO_ERROR: c_int = 0;
pub const SSL_CLIENT_HELLO_RETRY: c_int = -1;
/// `SSL_select_next_proto` results.
pub const OPENSSL_NPN_UNSUPPORTED: c_int = 0;
pub const OPENSSL_NPN_NEGOTIATED: c_int = 1;
pub const OPENSSL_NPN_NO_OVERLAP: c_int = 2;
/// Info callback `where` bits.
pub const SSL_CB_LOOP: c_int = 0x01;
pub const SSL_CB_EXIT: c_int = 0x02;
pub const SSL_CB_READ: c_int = 0x04;
pub const SSL_CB_WRITE: c_int = 0x08;
pub const SSL_CB_ALERT: c_int = 0x4000;
pub const SSL_ST_CONNECT: c_int = 0x1000;
pub const SSL_ST_ACCEPT: c_int = 0x2000;
pub const SSL_CB_READ_ALERT: c_int = SSL_CB_ALERT | SSL_CB_READ;
pub const SSL_CB_WRITE_ALERT: c_int = SSL_CB_ALERT | SSL_CB_WRITE;
pub const SSL_CB_ACCEPT_LOOP: c_int = SSL_ST_ACCEPT | SSL_CB_LOOP;
pub const SSL_CB_ACCEPT_EXIT: c_int = SSL_ST_ACCEPT | SSL_CB_EXIT;
pub const SSL_CB_CONNECT_LOOP: c_int = SSL_ST_CONNECT | SSL_CB_LOOP;
pub const SSL_CB_CONNECT_EXIT: c_int = SSL_ST_CONNECT | SSL_CB_EXIT;
pub const SSL_CB_HANDSHAKE_START: c_int = 0x10;
pub const SSL_CB_HANDSHAKE_DONE: c_int = 0x20;
/// Early data (`SSL_read_early_data`, `SSL_get_early_data_status`).
pub const SSL_READ_EARLY_DATA_ERROR: c_int = 0;
pub const SSL_READ_EARLY_DATA_SUCCESS: c_int = 1;
pub const SSL_READ_EARLY_DATA_FINISH: c_int = 2;
pub const SSL_EARLY_DATA_NOT_SENT: c_int = 0;
pub const SSL_EARLY_DATA_REJECTED: c_int = 1;
pub const SSL_EARLY_DATA_ACCEPTED: c_int = 2;

/// Reason codes (`ERR_GET_REASON`) of the errors the library queues, OpenSSL's values;
/// `SSL_R_*_ALERT_*` are `SSL_AD_REASON_OFFSET` + the alert received.
pub const SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG: c_int = 273;
pub const SSL_R_CERTIFICATE_VERIFY_FAILED: c_int = 134;
pub const SSL_R_CIPHER_CODE_WRONG_LENGTH: c_int = 137;
pub const SSL_R_NO_CERTIFICATE_ASSIGNED: c_int = 177;
pub const SSL_R_NO_PRIVATE_KEY_ASSIGNED: c_int = 190;
pub const SSL_R_NO_PROTOCOLS_AVAILABLE: c_int = 191;
pub const SSL_R_NO_SHARED_CIPHER: c_int = 193;
pub const SSL_R_PACKET_LENGTH_TOO_LONG: c_int = 198;
pub const SSL_R_PROTOCOL_IS_SHUTDOWN: c_int = 207;
pub const SSL_R_UNEXPECTED_MESSAGE: c_int = 244;
pub const SSL_R_UNKNOWN_SSL_VERSION: c_int = 254;
pub const SSL_R_UNSUPPORTED_PROTOCOL: c_int = 258;
pub const SSL_R_UNSUPPORTED_SSL_VERSION: c_int = 259;
pub const SSL_R_WRONG_VERSION_NUMBER: c_int = 267;
pub const SSL_R_BAD_LENGTH: c_int = 271;
pub const SSL_R_UNINITIALIZED: c_int = 276;
pub const SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED: c_int = 277;
pub const SSL_R_UNEXPECTED_EOF_WHILE_READING: c_int = 294;
pub const SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: c_int = 281;
pub const SSL_R_SHUTDOWN_WHILE_IN_INIT: c_int = 407;
pub const SSL_AD_REASON_OFFSET: c_int = 1000;
pub const SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE: c_int = 1010;
pub const SSL_R_SSLV3_ALERT_BAD_RECORD_MAC: c_int = 1020;
pub const SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE: c_int = 1040;
pub const SSL_R_SSLV3_ALERT_BAD_CERTIFICATE: c_int = 1042;
pub const SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN: c_int = 1046;
pub const SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER: c_int = 1047;
pub const SSL_R_TLSV1_ALERT_UNKNOWN_CA: c_int = 1048;
pub const SSL_R_TLSV1_ALERT_DECODE_ERROR: c_int = 1050;
pub const SSL_R_TLSV1_ALERT_DECRYPT_ERROR: c_int = 1051;
pub const SSL_R_TLSV1_ALERT_PROTOCOL_VERSION: c_int = 1070;
pub const SSL_R_TLSV1_ALERT_INTERNAL_ERROR: c_int = 1080;
pub const SSL_R_TLSV1_UNRECOGNIZED_NAME: c_int = 1112;
pub const SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED: c_int = 1116;

/// `SSL_get_error` results.
pub const SSL_ERROR_NONE: c_int = 0;
pub const SSL_ERROR_SSL: c_int = 1;
pub const SSL_ERROR_WANT_READ: c_int = 2;
pub const SSL_ERROR_WANT_WRITE: c_int = 3;
pub const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
pub const SSL_ERROR_WANT_CLIENT_HELLO_CB: c_int = 11;
pub const SSL_ERROR_SYSCALL: c_int = 5;
pub const SSL_ERROR_ZERO_RETURN: c_int = 6;
pub const SSL_ERROR_WANT_CONNECT: c_int = 7;
pub const SSL_ERROR_WANT_ACCEPT: c_int = 8;

/// File types of the certificate and key loaders.
pub const SSL_FILETYPE_PEM: c_int = 1;
pub const SSL_FILETYPE_ASN1: c_int = 2;

/// Verify modes.
pub const SSL_VERIFY_NONE: c_int = 0x00;
pub const SSL_VERIFY_PEER: c_int = 0x01;
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: c_int = 0x02;
pub const SSL_VERIFY_CLIENT_ONCE: c_int = 0x04;
pub const SSL_VERIFY_POST_HANDSHAKE: c_int = 0x08;

/// `SSL_get_servername` name type.
#[allow(non_upper_case_globals)] // OpenSSL's name
pub const TLSEXT_NAMETYPE_host_name: c_int = 0;

// The values the code acts on are these (a mismatch does not compile).
const _: () = {
    use crate::core::cache::{self, mode};
    use crate::core::session;
    use crate::state::err::reason;
    use crate::state::settings::{self, verify};
    use crate::state::ssl;
    assert!(TLS1_2_VERSION == settings::TLS1_2_VERSION && TLS1_3_VERSION == settings::TLS1_3_VERSION);
    assert!(SSL_MAX_SSL_SESSION_ID_LENGTH as usize == session::MAX_ID_LEN);
    assert!(SSL_MAX_SID_CTX_LENGTH as usize == session::MAX_SID_CTX_LEN);
    assert!(SSL_SENT_SHUTDOWN == ssl::SENT_SHUTDOWN && SSL_RECEIVED_SHUTDOWN == ssl::RECEIVED_SHUTDOWN);
    assert!(SSL_SESSION_CACHE_MAX_SIZE_DEFAULT as i64 == cache::DEFAULT_CACHE_SIZE);
    assert!(SSL_SESS_CACHE_OFF as u32 == mode::OFF && SSL_SESS_CACHE_CLIENT as u32 == mode::CLIENT);
    assert!(SSL_SESS_CACHE_SERVER as u32 == mode::SERVER && SSL_SESS_CACHE_BOTH as u32 == mode::BOTH);
    assert!(SSL_SESS_CACHE_NO_AUTO_CLEAR as u32 == mode::NO_AUTO_CLEAR);
    assert!(SSL_SESS_CACHE_NO_INTERNAL_LOOKUP as u32 == mode::NO_INTERNAL_LOOKUP);
    assert!(SSL_SESS_CACHE_NO_INTERNAL_STORE as u32 == mode::NO_INTERNAL_STORE);
    assert!(SSL_SESS_CACHE_NO_INTERNAL as u32 == mode::NO_INTERNAL);
    assert!(SSL_SESS_CACHE_UPDATE_TIME as u32 == mode::UPDATE_TIME);
    assert!(SSL_VERIFY_NONE == verify::NONE && SSL_VERIFY_PEER == verify::PEER && SSL_VERIFY_PEER == ssl::VERIFY_PEER);
    assert!(SSL_VERIFY_FAIL_IF_NO_PEER_CERT == verify::FAIL_IF_NO_PEER_CERT);
    assert!(SSL_AD_REASON_OFFSET as u32 == reason::ALERT_BASE);
    assert!(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG as u32 == reason::SSL_SESSION_ID_CONTEXT_TOO_LONG);
    assert!(SSL_R_CERTIFICATE_VERIFY_FAILED as u32 == reason::CERTIFICATE_VERIFY_FAILED);
    assert!(SSL_R_CIPHER_CODE_WRONG_LENGTH as u32 == reason::CIPHER_CODE_WRONG_LENGTH);
    assert!(SSL_R_NO_CERTIFICATE_ASSIGNED as u32 == reason::NO_CERTIFICATE_ASSIGNED);
    assert!(SSL_R_NO_PRIVATE_KEY_ASSIGNED as u32 == reason::NO_PRIVATE_KEY_ASSIGNED);
    assert!(SSL_R_NO_PROTOCOLS_AVAILABLE as u32 == reason::NO_PROTOCOLS_AVAILABLE);
    assert!(SSL_R_NO_SHARED_CIPHER as u32 == reason::NO_SHARED_CIPHER);
    assert!(SSL_R_PACKET_LENGTH_TOO_LONG as u32 == reason::PACKET_LENGTH_TOO_LONG);
    assert!(SSL_R_PROTOCOL_IS_SHUTDOWN as u32 == reason::PROTOCOL_IS_SHUTDOWN);
    assert!(SSL_R_UNEXPECTED_MESSAGE as u32 == reason::UNEXPECTED_MESSAGE);
    assert!(SSL_R_UNKNOWN_SSL_VERSION as u32 == reason::UNKNOWN_SSL_VERSION);
    assert!(SSL_R_UNSUPPORTED_PROTOCOL as u32 == reason::UNSUPPORTED_PROTOCOL);
    assert!(SSL_R_UNSUPPORTED_SSL_VERSION as u32 == reason::UNSUPPORTED_SSL_VERSION);
    assert!(SSL_R_WRONG_VERSION_NUMBER as u32 == reason::WRONG_VERSION_NUMBER);
    assert!(SSL_R_BAD_LENGTH as u32 == reason::BAD_LENGTH);
    assert!(SSL_R_UNINITIALIZED as u32 == reason::UNINITIALIZED);
    assert!(SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED as u32 == reason::SESSION_ID_CONTEXT_UNINITIALIZED);
    assert!(SSL_R_UNEXPECTED_EOF_WHILE_READING as u32 == reason::UNEXPECTED_EOF_WHILE_READING);
    assert!(SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC as u32 == reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
    assert!(SSL_R_SHUTDOWN_WHILE_IN_INIT as u32 == reason::SHUTDOWN_WHILE_IN_INIT);
};
