//! The TLS half of an `SSL_CTX` (certificates, trust anchors) and the rustls configs built
//! from it and a connection's settings.

use std::sync::Arc;

use parking_lot::Mutex;

use rustls::client::Resumption;
use rustls::client::Tls12Resumption;
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};

use super::certs::Certs;
use super::hooks;
use crate::state::settings::{ConnSettings, op, verify};

/// The TLS half of an `SSL_CTX`.
#[derive(Debug)]
pub struct CtxTls {
    /// The certificates new connections copy.
    pub certs: Arc<Certs>,
    pub roots: Arc<RootCertStore>,
    /// The names a server sends in its CertificateRequest (`SSL_CTX_set_client_CA_list`), DER.
    pub client_ca_names: Arc<Vec<Vec<u8>>>,
    pub conn: ConnSettings,
    /// The last rustls configs built for this context's connections, reused while what they
    /// were built from is the same (a config per connection costs allocations on every handshake).
    server_config: Mutex<Option<(ServerConfigKey, Arc<ServerConfig>)>>,
    client_config: Mutex<Option<(ClientConfigKey, Arc<ClientConfig>)>>,
}

/// What a server config depends on besides the process-wide hooks. The roots and the ticketer
/// are compared as objects (the same `Arc`); the key holds them, so a freed one's address
/// cannot come back as a different object's.
#[derive(Clone)]
struct ServerConfigKey {
    versions: Vec<u16>,
    verify_mode: i32,
    num_tickets: usize,
    server_preference: bool,
    alpn: Option<Vec<u8>>,
    tls12_suites: Option<Arc<[u16]>>,
    tls13_suites: Option<Arc<[u16]>>,
    groups: Option<Arc<[u16]>>,
    client_ca_names: Arc<Vec<Vec<u8>>>,
    ticketer: Arc<dyn rustls::server::ProducesTickets>,
}

impl std::fmt::Debug for ServerConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfigKey").field("versions", &self.versions).finish_non_exhaustive()
    }
}

impl PartialEq for ServerConfigKey {
    fn eq(&self, other: &Self) -> bool {
        self.versions == other.versions
            && self.verify_mode == other.verify_mode
            && self.num_tickets == other.num_tickets
            && self.server_preference == other.server_preference
            && self.alpn == other.alpn
            && self.tls12_suites == other.tls12_suites
            && self.tls13_suites == other.tls13_suites
            && self.groups == other.groups
            && Arc::ptr_eq(&self.client_ca_names, &other.client_ca_names)
            && std::ptr::addr_eq(Arc::as_ptr(&self.ticketer), Arc::as_ptr(&other.ticketer))
    }
}

/// What a client config depends on besides the process-wide hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClientConfigKey {
    versions: Vec<u16>,
    tickets: bool,
    alpn: Option<Vec<u8>>,
    tls12_suites: Option<Arc<[u16]>>,
    tls13_suites: Option<Arc<[u16]>>,
    groups: Option<Arc<[u16]>>,
}

fn version_ids(versions: &[&'static SupportedProtocolVersion]) -> Vec<u16> {
    versions.iter().map(|v| u16::from(v.version)).collect()
}

impl Default for CtxTls {
    fn default() -> Self {
        CtxTls {
            certs: Arc::new(Certs::default()),
            roots: Arc::new(RootCertStore::empty()),
            client_ca_names: Arc::new(Vec::new()),
            conn: ConnSettings::default(),
            server_config: Mutex::new(None),
            client_config: Mutex::new(None),
        }
    }
}

/// The crypto provider every config uses (ring); one instance so that configs share it.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: std::sync::OnceLock<Arc<CryptoProvider>> = std::sync::OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| {
        let ring = rustls::crypto::ring::default_provider();
        #[cfg(feature = "valgrind")]
        let ring = super::valgrind::wrap(ring);
        Arc::new(ring)
    }))
}

/// The provider for a connection's suite and group lists: the shared one when both are
/// OpenSSL's defaults, else a copy narrowed and ordered by them.
fn provider_for(settings: &ConnSettings) -> Arc<CryptoProvider> {
    let base = provider();
    if settings.tls12_suites.is_none() && settings.tls13_suites.is_none() && settings.groups.is_none() {
        return base;
    }
    let mut p = (*base).clone();
    let pick = |list: &Option<Arc<[u16]>>, tls13: bool| -> Vec<rustls::SupportedCipherSuite> {
        let of_version = base.cipher_suites.iter().filter(|s| s.tls13().is_some() == tls13).copied();
        match list {
            None => of_version.collect(),
            Some(ids) => ids.iter().filter_map(|id| of_version.clone().find(|s| u16::from(s.suite()) == *id)).collect(),
        }
    };
    let mut suites = pick(&settings.tls13_suites, true);
    suites.extend(pick(&settings.tls12_suites, false));
    p.cipher_suites = suites;
    if let Some(ids) = &settings.groups {
        p.kx_groups =
            ids.iter().filter_map(|id| base.kx_groups.iter().find(|g| u16::from(g.name()) == *id).copied()).collect();
    }
    Arc::new(p)
}

/// Why a config could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    NoProtocols,
    NoCertificate,
}

/// The server config for one connection: the shared cert resolver, session store and this
/// context's ticketer; tickets per connection are capped in the hooks.
pub fn server_config(
    settings: &ConnSettings,
    ctx: &CtxTls,
    certs: &Certs,
    ticketer: Arc<dyn rustls::server::ProducesTickets>,
    alpn: Option<Vec<u8>>,
) -> Result<Arc<ServerConfig>, ConfigError> {
    let versions = settings.versions();
    if versions.is_empty() {
        return Err(ConfigError::NoProtocols);
    }
    if certs.certified().next().is_none() {
        return Err(ConfigError::NoCertificate);
    }
    let key = ServerConfigKey {
        versions: version_ids(&versions),
        verify_mode: settings.verify_mode,
        num_tickets: settings.num_tickets,
        server_preference: settings.options & op::CIPHER_SERVER_PREFERENCE != 0,
        alpn: alpn.clone(),
        tls12_suites: settings.tls12_suites.clone(),
        tls13_suites: settings.tls13_suites.clone(),
        groups: settings.groups.clone(),
        client_ca_names: Arc::clone(&ctx.client_ca_names),
        ticketer: Arc::clone(&ticketer),
    };
    let mut cached = ctx.server_config.lock();
    if let Some((k, cfg)) = cached.as_ref()
        && *k == key
    {
        return Ok(Arc::clone(cfg));
    }
    let builder = ServerConfig::builder_with_provider(provider_for(settings))
        .with_protocol_versions(&versions)
        .map_err(|_| ConfigError::NoProtocols)?;
    let builder = if settings.verify_mode & verify::PEER != 0 {
        let mandatory = settings.verify_mode & verify::FAIL_IF_NO_PEER_CERT != 0;
        builder.with_client_cert_verifier(hooks::client_verifier(mandatory, &ctx.client_ca_names))
    } else {
        builder.with_no_client_auth()
    };
    let mut cfg = builder.with_cert_resolver(hooks::cert_resolver());
    cfg.alpn_protocols = alpn.into_iter().collect();
    cfg.session_storage = hooks::server_store();
    cfg.key_log = hooks::key_log();
    cfg.ticketer = ticketer;
    cfg.send_tls13_tickets = settings.num_tickets;
    cfg.max_early_data_size = 0;
    cfg.ignore_client_order = key.server_preference;
    let cfg = Arc::new(cfg);
    *cached = Some((key, Arc::clone(&cfg)));
    Ok(cfg)
}

/// The client config for one connection. The verifier, client-certificate resolver and
/// session store are process-wide singletons: rustls resumes a session only with the very
/// same verifier and resolver objects that made it.
pub fn client_config(settings: &ConnSettings, ctx: &CtxTls) -> Result<Arc<ClientConfig>, ConfigError> {
    let alpn = settings.alpn_protos.as_deref().map(<[u8]>::to_vec);
    let versions = settings.versions();
    if versions.is_empty() {
        return Err(ConfigError::NoProtocols);
    }
    let key = ClientConfigKey {
        versions: version_ids(&versions),
        tickets: settings.tickets_enabled(),
        alpn: alpn.clone(),
        tls12_suites: settings.tls12_suites.clone(),
        tls13_suites: settings.tls13_suites.clone(),
        groups: settings.groups.clone(),
    };
    let mut cached = ctx.client_config.lock();
    if let Some((k, cfg)) = cached.as_ref()
        && *k == key
    {
        return Ok(Arc::clone(cfg));
    }
    let mut cfg = ClientConfig::builder_with_provider(provider_for(settings))
        .with_protocol_versions(&versions)
        .map_err(|_| ConfigError::NoProtocols)?
        .dangerous()
        .with_custom_certificate_verifier(hooks::server_verifier())
        .with_client_cert_resolver(hooks::client_cert_resolver());
    let tls12 =
        if settings.tickets_enabled() { Tls12Resumption::SessionIdOrTickets } else { Tls12Resumption::SessionIdOnly };
    cfg.resumption = Resumption::store(hooks::client_store()).tls12_resumption(tls12);
    cfg.key_log = hooks::key_log();
    cfg.alpn_protocols = alpn.map(|wire| split_protocols(&wire)).unwrap_or_default();
    let cfg = Arc::new(cfg);
    *cached = Some((key, Arc::clone(&cfg)));
    Ok(cfg)
}

/// An ALPN list in wire format (length-prefixed names) as separate names; a malformed tail is
/// dropped.
pub fn split_protocols(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = wire;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push(tail[..n].to_vec());
        rest = &tail[n..];
    }
    out
}

/// Key exchange groups by OpenSSL's names (its TLS name, its curve name, or the NIST name),
/// with their TLS ids, and whether rustls (ring) implements them.
const GROUP_NAMES: &[(&[&str], u16, bool)] = &[
    (&["x25519", "X25519"], 0x001d, true),
    (&["secp256r1", "prime256v1", "P-256"], 0x0017, true),
    (&["secp384r1", "P-384"], 0x0018, true),
    (&["secp521r1", "P-521"], 0x0019, false),
    (&["x448", "X448"], 0x001e, false),
    (&["ffdhe2048"], 0x0100, false),
    (&["ffdhe3072"], 0x0101, false),
    (&["ffdhe4096"], 0x0102, false),
    (&["ffdhe6144"], 0x0103, false),
    (&["ffdhe8192"], 0x0104, false),
    (&["brainpoolP256r1tls13", "brainpoolP256r1"], 0x001a, false),
    (&["brainpoolP384r1tls13", "brainpoolP384r1"], 0x001b, false),
    (&["brainpoolP512r1tls13", "brainpoolP512r1"], 0x001c, false),
];

/// Why a group list was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupsError {
    /// A name OpenSSL does not know either.
    Unknown,
    /// Every group named is one rustls cannot do.
    NoneSupported,
}

/// `SSL_CTX_set1_groups_list`: "X25519:P-256" into TLS ids, in order. Groups OpenSSL knows and
/// rustls does not implement are left out; a list left empty is refused.
pub fn parse_groups(list: &str) -> Result<Vec<u16>, GroupsError> {
    let mut out = Vec::new();
    let mut any = false;
    for name in list.split(':') {
        let Some(&(_, id, supported)) = GROUP_NAMES.iter().find(|(names, _, _)| names.contains(&name)) else {
            return Err(GroupsError::Unknown);
        };
        any = true;
        if supported && !out.contains(&id) {
            out.push(id);
        }
    }
    if !any || out.is_empty() {
        return Err(GroupsError::NoneSupported);
    }
    Ok(out)
}

/// OpenSSL's NID for a group's TLS id (`SSL_get_negotiated_group`); 0 if unknown.
pub fn group_nid(id: u16) -> i32 {
    match id {
        0x001d => 1034,
        0x001e => 1035,
        0x0017 => 415,
        0x0018 => 715,
        0x0019 => 716,
        _ => 0,
    }
}
