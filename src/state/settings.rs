//! What OpenSSL copies from a context into each new connection: options, verify mode,
//! protocol version bounds, TLS 1.3 ticket count; and the constants they are made of.

use std::sync::Arc;

use rustls::SupportedProtocolVersion;

/// `SSL_OP_*` bits that change behaviour here; the others are stored and reported only.
pub mod op {
    pub const IGNORE_UNEXPECTED_EOF: u64 = 1 << 7;
    pub const NO_TICKET: u64 = 1 << 14;
    pub const CIPHER_SERVER_PREFERENCE: u64 = 1 << 22;
    pub const NO_TLSV1_2: u64 = 1 << 27;
    pub const NO_TLSV1_3: u64 = 1 << 29;
}

/// `SSL_VERIFY_*` bits.
pub mod verify {
    pub const NONE: i32 = 0;
    pub const PEER: i32 = 1;
    pub const FAIL_IF_NO_PEER_CERT: i32 = 2;
}

pub const TLS1_2_VERSION: i32 = 0x0303;
pub const TLS1_3_VERSION: i32 = 0x0304;

/// A C function pointer kept by the C layer (which alone knows its real type and calls it).
pub type CFn = unsafe extern "C" fn();

/// What OpenSSL copies from the context into each new `SSL`.
#[derive(Clone, Debug)]
pub struct ConnSettings {
    pub options: u64,
    pub verify_mode: i32,
    /// `SSL_CTX_set_verify`'s callback.
    pub verify_callback: Option<CFn>,
    /// `SSL_CTX_set_verify_depth`; -1 leaves libcrypto's default.
    pub verify_depth: i32,
    pub min_version: i32,
    pub max_version: i32,
    pub num_tickets: usize,
    /// `SSL_MODE_*` bits (stored and reported).
    pub mode: u32,
    pub read_ahead: i32,
    pub max_early_data: u32,
    pub recv_max_early_data: u32,
    /// TLS 1.2 suites (`SSL_CTX_set_cipher_list`) and TLS 1.3 suites (`set_ciphersuites`), in
    /// preference order; `None` is OpenSSL's default list.
    pub tls12_suites: Option<Arc<[u16]>>,
    pub tls13_suites: Option<Arc<[u16]>>,
    /// Key exchange groups (`SSL_CTX_set1_groups_list`), TLS ids in preference order.
    pub groups: Option<Arc<[u16]>>,
    /// Client: the ALPN list to offer (`SSL_CTX_set_alpn_protos`), wire format.
    pub alpn_protos: Option<Arc<[u8]>>,
}

impl Default for ConnSettings {
    fn default() -> Self {
        // OpenSSL 3.0's context defaults: no version bounds, two TLS 1.3 tickets, auto-retry
        // mode, early data off (receive limit 16384). The options value is what a fresh
        // `SSL_CTX_get_options` returns.
        ConnSettings {
            options: 0x0012_0000,
            verify_mode: 0,
            verify_callback: None,
            verify_depth: -1,
            min_version: 0,
            max_version: 0,
            num_tickets: 2,
            mode: 0x4,
            read_ahead: 0,
            max_early_data: 0,
            recv_max_early_data: 16384,
            tls12_suites: None,
            tls13_suites: None,
            groups: None,
            alpn_protos: None,
        }
    }
}

impl ConnSettings {
    /// The protocol versions this connection may use, highest first.
    pub fn versions(&self) -> Vec<&'static SupportedProtocolVersion> {
        let allowed = |v: i32, off: u64| {
            (self.min_version == 0 || self.min_version <= v)
                && (self.max_version == 0 || v <= self.max_version)
                && self.options & off == 0
        };
        let mut out = Vec::new();
        if allowed(TLS1_3_VERSION, op::NO_TLSV1_3) {
            out.push(&rustls::version::TLS13);
        }
        if allowed(TLS1_2_VERSION, op::NO_TLSV1_2) {
            out.push(&rustls::version::TLS12);
        }
        out
    }

    pub fn tickets_enabled(&self) -> bool {
        self.options & op::NO_TICKET == 0
    }
}
