//! A context's or connection's certificates, as OpenSSL's `CERT`: one slot per key type (RSA,
//! EC, Ed25519), each with its leaf, chain and private key; the "current" slot is the one the
//! last certificate or key went to, and chain calls apply to it. A connection copies its
//! context's set at `SSL_new` (and at `SSL_set_SSL_CTX`), so later changes on either side do
//! not reach the other.

use std::any::Any;
use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

use super::config::provider;

/// The key types OpenSSL keeps a certificate slot for, among those rustls can sign with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa = 0,
    Ec = 1,
    Ed25519 = 2,
}

const KINDS: usize = 3;

/// An object the C layer keeps with a certificate or key (the libcrypto `X509` or `EVP_PKEY` it
/// was given or made, so that `get0` calls return the same pointer); never looked into here.
pub type Attached = Arc<dyn Any + Send + Sync>;

/// One slot: a leaf certificate, its chain and key, and the rustls signing key once they match.
#[derive(Clone, Default)]
pub struct Slot {
    pub leaf: Option<CertificateDer<'static>>,
    pub leaf_object: Option<Attached>,
    /// The slot's own chain (`SSL_CTX_set0_chain`, `add0_chain_cert`), leaf excluded.
    pub chain: Vec<CertificateDer<'static>>,
    /// The C layer's `STACK_OF(X509)` for the chain.
    pub chain_object: Option<Attached>,
    pub key: Option<Arc<PrivateKeyDer<'static>>>,
    pub key_object: Option<Attached>,
    pub certified: Option<Arc<CertifiedKey>>,
}

/// The certificate set of a context or connection.
#[derive(Clone)]
pub struct Certs {
    slots: [Slot; KINDS],
    current: Option<KeyKind>,
    /// `SSL_CTX_add_extra_chain_cert`: sent after the leaf by slots without a chain of their own.
    pub extra_chain: Vec<CertificateDer<'static>>,
    /// `SSL_CTX_set_cert_cb`: the C layer's callback and its argument (an address).
    pub cert_cb: Option<(crate::state::settings::CFn, usize)>,
}

impl Default for Certs {
    /// OpenSSL's `ssl_cert_new` points the current slot at RSA's.
    fn default() -> Certs {
        Certs { slots: Default::default(), current: Some(KeyKind::Rsa), extra_chain: Vec::new(), cert_cb: None }
    }
}

impl std::fmt::Debug for Certs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certs").field("current", &self.current).finish_non_exhaustive()
    }
}

/// Why a certificate or key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertError {
    /// Not a key type this library can use (OpenSSL: `SSL_R_UNKNOWN_CERTIFICATE_TYPE`).
    UnknownType,
    /// The key does not belong to the slot's certificate (`X509_R_KEY_VALUES_MISMATCH`).
    Mismatch,
    /// No current certificate for a chain call (`SSL_R_NO_CERTIFICATE_SET`).
    NoCurrent,
}

impl Certs {
    pub fn current(&self) -> Option<&Slot> {
        self.current.map(|k| &self.slots[k as usize])
    }

    pub fn current_kind(&self) -> Option<KeyKind> {
        self.current
    }

    /// The slots that can sign, in OpenSSL's slot order.
    pub fn certified(&self) -> impl Iterator<Item = &Arc<CertifiedKey>> {
        self.slots.iter().filter_map(|s| s.certified.as_ref())
    }

    pub fn has_certificate(&self) -> bool {
        self.slots.iter().any(|s| s.leaf.is_some())
    }

    /// `ssl_set_cert`: the leaf goes to its key type's slot, which becomes current; a key
    /// already there that does not match it is dropped.
    pub fn set_leaf(&mut self, leaf: CertificateDer<'static>, object: Option<Attached>) -> Result<(), CertError> {
        let kind = cert_key_kind(&leaf).ok_or(CertError::UnknownType)?;
        let slot = &mut self.slots[kind as usize];
        slot.leaf = Some(leaf);
        slot.leaf_object = object;
        self.current = Some(kind);
        self.rebuild(kind);
        if self.slots[kind as usize].key.is_some() && self.slots[kind as usize].certified.is_none() {
            let slot = &mut self.slots[kind as usize];
            slot.key = None;
            slot.key_object = None;
        }
        Ok(())
    }

    /// `ssl_set_pkey`: the key goes to its type's slot, which becomes current; refused if the
    /// slot's certificate is for another key.
    pub fn set_key(&mut self, key: PrivateKeyDer<'static>, object: Option<Attached>) -> Result<(), CertError> {
        let kind = private_key_kind(&key).ok_or(CertError::UnknownType)?;
        let slot = &mut self.slots[kind as usize];
        let previous = (slot.key.replace(Arc::new(key)), slot.key_object.take());
        slot.key_object = object;
        self.rebuild(kind);
        let slot = &mut self.slots[kind as usize];
        if slot.leaf.is_some() && slot.certified.is_none() {
            (slot.key, slot.key_object) = previous;
            self.rebuild(kind);
            return Err(CertError::Mismatch);
        }
        self.current = Some(kind);
        Ok(())
    }

    /// `SSL_CTX_set0_chain` / `set1_chain` / `add0_chain_cert` on the current slot: its chain
    /// is now `chain`.
    pub fn set_chain(
        &mut self,
        chain: Vec<CertificateDer<'static>>,
        object: Option<Attached>,
    ) -> Result<(), CertError> {
        let kind = self.current.ok_or(CertError::NoCurrent)?;
        let slot = &mut self.slots[kind as usize];
        slot.chain = chain;
        slot.chain_object = object;
        self.rebuild(kind);
        Ok(())
    }

    /// A whole chain from a file (`SSL_CTX_use_certificate_chain_file`): the leaf, then the
    /// slot's chain replaced by the rest.
    pub fn set_leaf_and_chain(
        &mut self,
        leaf: (CertificateDer<'static>, Option<Attached>),
        chain: Vec<CertificateDer<'static>>,
        chain_object: Option<Attached>,
    ) -> Result<(), CertError> {
        self.set_leaf(leaf.0, leaf.1)?;
        self.set_chain(chain, chain_object)
    }

    pub fn add_extra_chain(&mut self, cert: CertificateDer<'static>) {
        self.extra_chain.push(cert);
        self.rebuild_all();
    }

    pub fn clear_extra_chain(&mut self) {
        self.extra_chain.clear();
        self.rebuild_all();
    }

    /// `SSL_CTX_set_current_cert(SSL_CERT_SET_FIRST / NEXT)`: moves to the first or next slot
    /// holding a certificate; false when there is none.
    pub fn select(&mut self, first: bool) -> bool {
        let start = if first { 0 } else { self.current.map_or(KINDS, |k| k as usize + 1) };
        match (start..KINDS).find(|&i| self.slots[i].leaf.is_some() && self.slots[i].key.is_some()) {
            Some(i) => {
                self.current = Some(kind_at(i));
                true
            }
            None => false,
        }
    }

    /// `SSL_CTX_select_current_cert`: makes the slot whose leaf `is_it` current.
    pub fn select_leaf(&mut self, is_it: impl Fn(&Slot) -> bool) -> bool {
        match (0..KINDS).find(|&i| self.slots[i].leaf.is_some() && is_it(&self.slots[i])) {
            Some(i) => {
                self.current = Some(kind_at(i));
                true
            }
            None => false,
        }
    }

    fn rebuild_all(&mut self) {
        for i in 0..KINDS {
            self.rebuild(kind_at(i));
        }
    }

    fn rebuild(&mut self, kind: KeyKind) {
        let extra = self.extra_chain.clone();
        let slot = &mut self.slots[kind as usize];
        slot.certified = match (&slot.leaf, &slot.key) {
            (Some(leaf), Some(key)) => {
                let mut chain = vec![leaf.clone()];
                chain.extend(if slot.chain.is_empty() { extra } else { slot.chain.clone() });
                provider()
                    .key_provider
                    .load_private_key(key.clone_key())
                    .ok()
                    .map(|signer| CertifiedKey::new(chain, signer))
                    .filter(|ck| ck.keys_match().is_ok())
                    .map(Arc::new)
            }
            _ => None,
        };
    }

    /// The certificate for a ClientHello: the first of the client's signature schemes that a
    /// slot can sign with, else the current slot's.
    pub fn choose(&self, schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        for scheme in schemes {
            if let Some(ck) = self.certified().find(|ck| ck.key.choose_scheme(&[*scheme]).is_some()) {
                return Some(Arc::clone(ck));
            }
        }
        self.current().and_then(|s| s.certified.clone()).or_else(|| self.certified().next().cloned())
    }
}

fn kind_at(i: usize) -> KeyKind {
    match i {
        0 => KeyKind::Rsa,
        1 => KeyKind::Ec,
        _ => KeyKind::Ed25519,
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

fn kind_of_oid(oid: &[u8]) -> Option<KeyKind> {
    match oid {
        OID_RSA => Some(KeyKind::Rsa),
        OID_EC => Some(KeyKind::Ec),
        OID_ED25519 => Some(KeyKind::Ed25519),
        _ => None,
    }
}

/// One DER element: (tag, contents, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let len = b.get(2..2 + n)?.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (len, 2 + n)
    };
    let body = b.get(head..head.checked_add(len)?)?;
    Some((tag, body, &b[head + len..]))
}

/// The key type of a certificate, from its SubjectPublicKeyInfo's algorithm.
pub fn cert_key_kind(cert: &[u8]) -> Option<KeyKind> {
    let (_, certificate, _) = tlv(cert)?;
    let (_, tbs, _) = tlv(certificate)?;
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xa0 {
        rest = r; // explicit version
    }
    // serial, signature algorithm, issuer, validity, subject, then the key info.
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (_, spki, _) = tlv(rest)?;
    let (_, alg, _) = tlv(spki)?;
    let (tag, oid, _) = tlv(alg)?;
    if tag != 0x06 {
        return None;
    }
    kind_of_oid(oid)
}

/// A certificate's issuer and subject names, DER.
pub fn issuer_and_subject(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, certificate, _) = tlv(cert)?;
    let (_, tbs, _) = tlv(certificate)?;
    let mut rest = tbs;
    if tlv(rest)?.0 == 0xa0 {
        rest = tlv(rest)?.2;
    }
    rest = tlv(rest)?.2; // serial
    rest = tlv(rest)?.2; // signature algorithm
    let issuer_len = rest.len() - tlv(rest)?.2.len();
    let issuer = &rest[..issuer_len];
    rest = &rest[issuer_len..];
    rest = tlv(rest)?.2; // validity
    let subject_len = rest.len() - tlv(rest)?.2.len();
    Some((issuer, &rest[..subject_len]))
}

/// The key type of a private key (PKCS#1 is RSA, SEC1 is EC, PKCS#8 names its algorithm).
pub fn private_key_kind(key: &PrivateKeyDer<'_>) -> Option<KeyKind> {
    match key {
        PrivateKeyDer::Pkcs1(_) => Some(KeyKind::Rsa),
        PrivateKeyDer::Sec1(_) => Some(KeyKind::Ec),
        PrivateKeyDer::Pkcs8(k) => {
            let (_, info, _) = tlv(k.secret_pkcs8_der())?;
            let rest = tlv(info)?.2; // version
            let (_, alg, _) = tlv(rest)?;
            let (tag, oid, _) = tlv(alg)?;
            if tag != 0x06 {
                return None;
            }
            kind_of_oid(oid)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_rejects_truncated_and_overlong() {
        assert!(tlv(&[0x30]).is_none());
        assert!(tlv(&[0x30, 0x05, 1, 2]).is_none());
        assert!(tlv(&[0x30, 0x84, 0, 0, 0, 1, 0]).is_none());
        assert_eq!(tlv(&[0x04, 0x01, 7, 9]), Some((0x04, &[7u8][..], &[9u8][..])));
    }

    #[test]
    fn garbage_is_no_kind() {
        assert_eq!(cert_key_kind(&[]), None);
        assert_eq!(cert_key_kind(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
