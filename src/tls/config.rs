//! The TLS half of an `SSL_CTX` (certificates, trust anchors) and the rustls configs built
//! from it and a connection's settings.

use std::sync::Arc;

use parking_lot::Mutex;

use rustls::client::Resumption;
use rustls::client::Tls12Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};

use super::hooks;
use crate::state::settings::{ConnSettings, verify};

/// The TLS half of an `SSL_CTX`.
#[derive(Debug)]
pub struct CtxTls {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Option<Arc<PrivateKeyDer<'static>>>,
    /// The chain and key, once both are loaded and they match.
    pub certified: Option<Arc<CertifiedKey>>,
    pub roots: Arc<RootCertStore>,
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
    roots: Arc<RootCertStore>,
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
            && Arc::ptr_eq(&self.roots, &other.roots)
            && std::ptr::addr_eq(Arc::as_ptr(&self.ticketer), Arc::as_ptr(&other.ticketer))
    }
}

/// What a client config depends on besides the process-wide hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClientConfigKey {
    versions: Vec<u16>,
    tickets: bool,
}

fn version_ids(versions: &[&'static SupportedProtocolVersion]) -> Vec<u16> {
    versions.iter().map(|v| u16::from(v.version)).collect()
}

impl Default for CtxTls {
    fn default() -> Self {
        CtxTls {
            chain: Vec::new(),
            key: None,
            certified: None,
            roots: Arc::new(RootCertStore::empty()),
            conn: ConnSettings::default(),
            server_config: Mutex::new(None),
            client_config: Mutex::new(None),
        }
    }
}

impl CtxTls {
    /// Rebuilds the signing key for the server after a certificate or key was loaded.
    pub fn rebuild_certified(&mut self) {
        self.certified = match (&self.key, self.chain.is_empty()) {
            (Some(key), false) => provider()
                .key_provider
                .load_private_key(key.clone_key())
                .ok()
                .map(|signer| CertifiedKey::new(self.chain.clone(), signer))
                .filter(|ck| ck.keys_match().is_ok())
                .map(Arc::new),
            _ => None,
        };
    }
}

/// The crypto provider every config uses (ring); one instance so that configs share it.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: std::sync::OnceLock<Arc<CryptoProvider>> = std::sync::OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())))
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
    ticketer: Arc<dyn rustls::server::ProducesTickets>,
) -> Result<Arc<ServerConfig>, ConfigError> {
    let versions = settings.versions();
    if versions.is_empty() {
        return Err(ConfigError::NoProtocols);
    }
    if ctx.certified.is_none() {
        return Err(ConfigError::NoCertificate);
    }
    let key = ServerConfigKey {
        versions: version_ids(&versions),
        verify_mode: settings.verify_mode,
        num_tickets: settings.num_tickets,
        roots: Arc::clone(&ctx.roots),
        ticketer: Arc::clone(&ticketer),
    };
    let mut cached = ctx.server_config.lock();
    if let Some((k, cfg)) = cached.as_ref()
        && *k == key
    {
        return Ok(Arc::clone(cfg));
    }
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions)
        .map_err(|_| ConfigError::NoProtocols)?;
    let builder = if settings.verify_mode & verify::PEER != 0 && !ctx.roots.is_empty() {
        let mut v = WebPkiClientVerifier::builder_with_provider(Arc::clone(&ctx.roots), provider());
        if settings.verify_mode & verify::FAIL_IF_NO_PEER_CERT == 0 {
            v = v.allow_unauthenticated();
        }
        match v.build() {
            Ok(v) => builder.with_client_cert_verifier(v),
            Err(_) => builder.with_no_client_auth(),
        }
    } else {
        builder.with_no_client_auth()
    };
    let mut cfg = builder.with_cert_resolver(hooks::cert_resolver());
    cfg.session_storage = hooks::server_store();
    cfg.ticketer = ticketer;
    cfg.send_tls13_tickets = settings.num_tickets;
    cfg.max_early_data_size = 0;
    cfg.ignore_client_order = false;
    let cfg = Arc::new(cfg);
    *cached = Some((key, Arc::clone(&cfg)));
    Ok(cfg)
}

/// The client config for one connection. The verifier, client-certificate resolver and
/// session store are process-wide singletons: rustls resumes a session only with the very
/// same verifier and resolver objects that made it.
pub fn client_config(settings: &ConnSettings, ctx: &CtxTls) -> Result<Arc<ClientConfig>, ConfigError> {
    let versions = settings.versions();
    if versions.is_empty() {
        return Err(ConfigError::NoProtocols);
    }
    let key = ClientConfigKey { versions: version_ids(&versions), tickets: settings.tickets_enabled() };
    let mut cached = ctx.client_config.lock();
    if let Some((k, cfg)) = cached.as_ref()
        && *k == key
    {
        return Ok(Arc::clone(cfg));
    }
    let mut cfg = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions)
        .map_err(|_| ConfigError::NoProtocols)?
        .dangerous()
        .with_custom_certificate_verifier(hooks::server_verifier())
        .with_client_cert_resolver(hooks::client_cert_resolver());
    let tls12 =
        if settings.tickets_enabled() { Tls12Resumption::SessionIdOrTickets } else { Tls12Resumption::SessionIdOnly };
    cfg.resumption = Resumption::store(hooks::client_store()).tls12_resumption(tls12);
    cfg.key_log = hooks::key_log();
    let cfg = Arc::new(cfg);
    *cached = Some((key, Arc::clone(&cfg)));
    Ok(cfg)
}
