//! For runs under valgrind (feature `valgrind`, `make valgrind`): the crypto provider's record
//! encrypters tell memcheck that the records they make are defined.
//!
//! ring's SHA-2 and AES-GCM assembly reads whole blocks of partly uninitialised stack buffers in
//! ways that cannot change its results but that memcheck cannot follow, so every key derived
//! through them, and every record sealed with those keys, looks uninitialised. Marking the sealed
//! record defined, at the point where it is made, lets `ctests/valgrind.supp` stay as narrow as
//! one ring function, instead of hiding every write of the library.

use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv, KeyBlockShape, MessageDecrypter, MessageEncrypter,
    OutboundOpaqueMessage, OutboundPlainMessage, Tls12AeadAlgorithm, Tls13AeadAlgorithm, UnsupportedOperationError,
};
use rustls::crypto::{CipherSuiteCommon, CryptoProvider};
use rustls::{ConnectionTrafficSecrets, Error, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};

/// memcheck's requests (`VG_USERREQ_TOOL_BASE('M','C')` + 2 and + 5).
const MAKE_MEM_DEFINED: u64 = 0x4d43_0002;
const CHECK_MEM_IS_DEFINED: u64 = 0x4d43_0005;

/// A valgrind client request on `bytes`; does nothing when not running under valgrind.
fn client_request(request: u64, bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        let args: [u64; 6] = [request, bytes.as_ptr() as u64, bytes.len() as u64, 0, 0, 0];
        // SAFETY: valgrind's client-request sequence for amd64. The four rotations add up to two
        // full turns (rdi ends as it began) and `xchg rbx, rbx` changes nothing: natively the
        // sequence has no effect; under valgrind it reads `args` and sets rdx to the answer.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51", "xchg rbx, rbx",
                inout("rdx") 0u64 => _,
                in("rax") args.as_ptr(),
                options(nostack),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (request, bytes);
}

/// Reports (with the caller's stack) any byte of `bytes` memcheck holds undefined.
fn check_defined(bytes: &[u8]) {
    client_request(CHECK_MEM_IS_DEFINED, bytes);
}

fn mark_defined(bytes: &[u8]) {
    client_request(MAKE_MEM_DEFINED, bytes);
}

struct Encrypter(Box<dyn MessageEncrypter>);

impl MessageEncrypter for Encrypter {
    fn encrypt(&mut self, msg: OutboundPlainMessage<'_>, seq: u64) -> Result<OutboundOpaqueMessage, Error> {
        // What goes into a record must be defined: an uninitialised byte the library or the
        // program hands over is reported here, before sealing hides it.
        check_defined(msg.payload.to_vec().as_slice());
        let sealed = self.0.encrypt(msg, seq)?;
        mark_defined(sealed.payload.as_ref());
        Ok(sealed)
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        self.0.encrypted_payload_len(payload_len)
    }
}

/// Opened records come from the peer (defined as read), but the plaintext is computed with keys
/// memcheck believes undefined.
struct Decrypter(Box<dyn MessageDecrypter>);

impl MessageDecrypter for Decrypter {
    fn decrypt<'a>(&mut self, msg: InboundOpaqueMessage<'a>, seq: u64) -> Result<InboundPlainMessage<'a>, Error> {
        let opened = self.0.decrypt(msg, seq)?;
        mark_defined(opened.payload);
        Ok(opened)
    }
}

struct Tls13Aead(&'static dyn Tls13AeadAlgorithm);

impl Tls13AeadAlgorithm for Tls13Aead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Encrypter(self.0.encrypter(key, iv)))
    }
    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Decrypter(self.0.decrypter(key, iv)))
    }
    fn key_len(&self) -> usize {
        self.0.key_len()
    }
    fn extract_keys(&self, key: AeadKey, iv: Iv) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        self.0.extract_keys(key, iv)
    }
}

struct Tls12Aead(&'static dyn Tls12AeadAlgorithm);

impl Tls12AeadAlgorithm for Tls12Aead {
    fn encrypter(&self, key: AeadKey, iv: &[u8], extra: &[u8]) -> Box<dyn MessageEncrypter> {
        Box::new(Encrypter(self.0.encrypter(key, iv, extra)))
    }
    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        Box::new(Decrypter(self.0.decrypter(key, iv)))
    }
    fn key_block_shape(&self) -> KeyBlockShape {
        self.0.key_block_shape()
    }
    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        self.0.extract_keys(key, iv, explicit)
    }
}

fn common(c: &CipherSuiteCommon) -> CipherSuiteCommon {
    CipherSuiteCommon { suite: c.suite, hash_provider: c.hash_provider, confidentiality_limit: c.confidentiality_limit }
}

/// `provider` with every suite's AEAD wrapped (made once per process: the suites live as long
/// as it).
pub fn wrap(mut provider: CryptoProvider) -> CryptoProvider {
    provider.cipher_suites = provider
        .cipher_suites
        .iter()
        .map(|suite| match suite {
            SupportedCipherSuite::Tls13(s) => SupportedCipherSuite::Tls13(Box::leak(Box::new(Tls13CipherSuite {
                common: common(&s.common),
                hkdf_provider: s.hkdf_provider,
                aead_alg: Box::leak(Box::new(Tls13Aead(s.aead_alg))),
                quic: s.quic,
            }))),
            SupportedCipherSuite::Tls12(s) => SupportedCipherSuite::Tls12(Box::leak(Box::new(Tls12CipherSuite {
                common: common(&s.common),
                prf_provider: s.prf_provider,
                kx: s.kx,
                sign: s.sign,
                aead_alg: Box::leak(Box::new(Tls12Aead(s.aead_alg))),
            }))),
        })
        .collect();
    provider
}
