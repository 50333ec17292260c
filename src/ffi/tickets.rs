//! Session tickets under the application's keys, in OpenSSL's layout (drop-in only: the keys
//! live in libcrypto cipher and HMAC contexts): `SSL_CTX_set_tlsext_ticket_key_cb`, and the
//! context's own keys (`SSL_CTX_set_tlsext_ticket_keys`), made at `SSL_CTX_new` as OpenSSL's.
//!
//! A ticket is key name (16) | IV | session DER encrypted | HMAC of all before it, so servers on
//! OpenSSL and on sesscache that share keys resume each other's tickets.

use libc::c_long;
#[cfg(feature = "libcrypto")]
use libc::{c_int, c_uchar, c_void};

#[cfg(feature = "libcrypto")]
use super::boundary::SSL;
use crate::state::ctx::Ctx;

/// `int cb(SSL *s, unsigned char key_name[16], unsigned char iv[16], EVP_CIPHER_CTX *ctx,
/// HMAC_CTX *hctx, int enc)`.
#[cfg(feature = "libcrypto")]
pub(crate) type TicketKeyCb =
    unsafe extern "C" fn(*mut SSL, *mut c_uchar, *mut c_uchar, *mut c_void, *mut c_void, c_int) -> c_int;

/// Installs (or clears) the ticket-key callback: 1 (drop-in); 0 without libcrypto, which the
/// callback's cipher and HMAC contexts need.
pub(crate) fn set_ticket_key_cb(ctx: &Ctx, fp: Option<unsafe extern "C" fn()>) -> Option<c_long> {
    #[cfg(feature = "libcrypto")]
    {
        // SAFETY: for this command `fp` is a ticket-key callback (the caller's promise).
        let cb = fp.map(|f| unsafe { super::callbacks::restore::<TicketKeyCb>(f) });
        super::ctx::c_callbacks(ctx)?.handshake.write().ticket_key = cb;
        Some(1)
    }
    #[cfg(not(feature = "libcrypto"))]
    {
        let _ = (ctx, fp);
        Some(0)
    }
}

#[cfg(feature = "libcrypto")]
pub(crate) use with_libcrypto::*;

#[cfg(feature = "libcrypto")]
mod with_libcrypto {
    use libc::{c_int, c_long, c_uint, c_void};

    use super::TicketKeyCb;
    use crate::ffi::boundary::{ArcHandle, SSL};
    use crate::state::ctx::{Ctx, TicketOpen, TicketSeal};
    use crate::state::err::{self, LIB_SSL, reason};
    use crate::state::ssl::Ssl;
    use crate::sys::libcrypto as c;

    const NAME_LEN: usize = 16;
    const MAX_IV_LEN: usize = 16;

    /// A context's own ticket keys (OpenSSL's `tick_key_name`, `tick_hmac_key`, `tick_aes_key`),
    /// made with the context so that forked processes share them.
    #[derive(Clone, Copy, Default)]
    pub(crate) struct OwnTicketKeys(Option<[u8; 80]>);

    /// Makes the context's keys (at `SSL_CTX_new`, as OpenSSL).
    pub(crate) fn make_own_keys(ctx: &Ctx) -> bool {
        let mut keys = [0u8; 80];
        // SAFETY: writes into our buffer.
        let ok = unsafe {
            c::RAND_bytes(keys.as_mut_ptr(), 16) == 1 && c::RAND_priv_bytes(keys[16..].as_mut_ptr(), 64) == 1
        };
        if ok {
            ctx.attached.with(|k: &mut OwnTicketKeys| k.0 = Some(keys));
        }
        ok
    }

    /// `SSL_CTX_set_tlsext_ticket_keys` / `get`: name (16) | HMAC key (32) | AES key (32).
    ///
    /// # Safety
    /// `parg` is NULL or has `larg` bytes (readable to set, writable to get).
    pub(crate) unsafe fn keys_ctrl(ctx: &Ctx, set: bool, larg: c_long, parg: *mut c_void) -> c_long {
        if parg.is_null() {
            return 80;
        }
        if larg != 80 {
            err::raise(LIB_SSL, reason::INVALID_TICKET_KEYS_LENGTH);
            return 0;
        }
        if set {
            let mut keys = [0u8; 80];
            // SAFETY: 80 readable bytes (the caller's promise).
            unsafe { std::ptr::copy_nonoverlapping(parg.cast::<u8>(), keys.as_mut_ptr(), 80) };
            ctx.attached.with(|k: &mut OwnTicketKeys| k.0 = Some(keys));
        } else {
            let keys = ctx.attached.with(|k: &mut OwnTicketKeys| k.0).unwrap_or([0; 80]);
            // SAFETY: 80 writable bytes (the caller's promise).
            unsafe { std::ptr::copy_nonoverlapping(keys.as_ptr(), parg.cast::<u8>(), 80) };
        }
        1
    }

    /// A cipher and an HMAC context, freed together.
    struct Contexts {
        cipher: *mut c::EVP_CIPHER_CTX,
        hmac: *mut c::HMAC_CTX,
    }

    impl Contexts {
        fn new() -> Option<Contexts> {
            // SAFETY: new objects, freed in drop.
            let this = unsafe { Contexts { cipher: c::EVP_CIPHER_CTX_new(), hmac: c::HMAC_CTX_new() } };
            (!this.cipher.is_null() && !this.hmac.is_null()).then_some(this)
        }
    }

    impl Drop for Contexts {
        fn drop(&mut self) {
            // SAFETY: ours (NULL is accepted by both).
            unsafe {
                c::EVP_CIPHER_CTX_free(self.cipher);
                c::HMAC_CTX_free(self.hmac);
            }
        }
    }

    /// Sets up the contexts with the context's own keys for `iv` (encrypting or not).
    fn own_keys_init(ctx: &Ctx, x: &Contexts, name: &mut [u8; NAME_LEN], iv: &[u8; MAX_IV_LEN], enc: bool) -> bool {
        let Some(keys) = ctx.attached.with(|k: &mut OwnTicketKeys| k.0) else { return false };
        if !enc && name[..] != keys[..NAME_LEN] {
            return false;
        }
        name.copy_from_slice(&keys[..NAME_LEN]);
        // SAFETY: live contexts; the keys and IV have the lengths the algorithms take.
        unsafe {
            let aes = keys[48..].as_ptr();
            let init = if enc {
                c::EVP_EncryptInit_ex(x.cipher, c::EVP_aes_256_cbc(), std::ptr::null_mut(), aes, iv.as_ptr())
            } else {
                c::EVP_DecryptInit_ex(x.cipher, c::EVP_aes_256_cbc(), std::ptr::null_mut(), aes, iv.as_ptr())
            };
            init == 1
                && c::HMAC_Init_ex(x.hmac, keys[16..48].as_ptr().cast(), 32, c::EVP_sha256(), std::ptr::null_mut()) == 1
        }
    }

    fn callback(ctx: &Ctx) -> Option<TicketKeyCb> {
        crate::ffi::ctx::c_callbacks(ctx)?.handshake.read().ticket_key
    }

    /// OpenSSL's `construct_stateless_ticket`, from the session DER.
    pub(crate) fn seal(ssl: &Ssl, plain: &[u8]) -> TicketSeal {
        let ctx = &ssl.ctx;
        let Some(x) = Contexts::new() else { return TicketSeal::Failed };
        let mut name = [0u8; NAME_LEN];
        let mut iv = [0u8; MAX_IV_LEN];
        match callback(ctx) {
            Some(cb) => {
                // SAFETY: the application's callback with live buffers and contexts.
                let r = unsafe {
                    cb(SSL::handle(ssl), name.as_mut_ptr(), iv.as_mut_ptr(), x.cipher.cast(), x.hmac.cast(), 1)
                };
                if r == 0 {
                    return TicketSeal::NoTicket;
                }
                if r < 0 {
                    return TicketSeal::Failed;
                }
            }
            None => {
                // SAFETY: writes into our buffer.
                if unsafe { c::RAND_bytes(iv.as_mut_ptr(), MAX_IV_LEN as c_int) } != 1
                    || !own_keys_init(ctx, &x, &mut name, &iv, true)
                {
                    return TicketSeal::Failed;
                }
            }
        }
        // SAFETY: a live cipher context.
        let (iv_len, block) =
            unsafe { (c::EVP_CIPHER_CTX_get_iv_length(x.cipher), c::EVP_CIPHER_CTX_get_block_size(x.cipher)) };
        let iv_len = usize::try_from(iv_len).unwrap_or(0).min(MAX_IV_LEN);
        let mut ticket = Vec::with_capacity(NAME_LEN + iv_len + plain.len() + 64);
        ticket.extend_from_slice(&name);
        ticket.extend_from_slice(&iv[..iv_len]);
        let mut enc = vec![0u8; plain.len() + usize::try_from(block).unwrap_or(0).max(1) * 2];
        let (mut n, mut fin) = (0 as c_int, 0 as c_int);
        // SAFETY: `enc` has room for the input plus two blocks.
        let ok = unsafe {
            c::EVP_EncryptUpdate(x.cipher, enc.as_mut_ptr(), &mut n, plain.as_ptr(), plain.len() as c_int) == 1
                && c::EVP_EncryptFinal_ex(x.cipher, enc.as_mut_ptr().add(n as usize), &mut fin) == 1
        };
        if !ok {
            return TicketSeal::Failed;
        }
        ticket.extend_from_slice(&enc[..(n + fin) as usize]);
        let mut mac = [0u8; 64];
        let mut mac_len: c_uint = 0;
        // SAFETY: a live HMAC context; `mac` holds any digest libcrypto makes (at most 64 bytes).
        let ok = unsafe {
            c::HMAC_Update(x.hmac, ticket.as_ptr(), ticket.len()) == 1
                && c::HMAC_Final(x.hmac, mac.as_mut_ptr(), &mut mac_len) == 1
        };
        if !ok {
            return TicketSeal::Failed;
        }
        ticket.extend_from_slice(&mac[..mac_len as usize]);
        TicketSeal::Sealed(ticket)
    }

    /// OpenSSL's `tls_decrypt_ticket`, up to the session DER.
    pub(crate) fn open(ssl: &Ssl, ticket: &[u8]) -> TicketOpen {
        let ctx = &ssl.ctx;
        if ticket.len() < NAME_LEN + MAX_IV_LEN {
            return TicketOpen::NotRecognized;
        }
        let Some(x) = Contexts::new() else { return TicketOpen::Failed };
        let mut name: [u8; NAME_LEN] = ticket[..NAME_LEN].try_into().expect("checked length");
        let mut iv: [u8; MAX_IV_LEN] = ticket[NAME_LEN..NAME_LEN + MAX_IV_LEN].try_into().expect("checked length");
        let mut renew = false;
        match callback(ctx) {
            Some(cb) => {
                // SAFETY: the application's callback; OpenSSL passes the ticket's own bytes.
                let r = unsafe {
                    cb(SSL::handle(ssl), name.as_mut_ptr(), iv.as_mut_ptr(), x.cipher.cast(), x.hmac.cast(), 0)
                };
                if r < 0 {
                    return TicketOpen::Failed;
                }
                if r == 0 {
                    return TicketOpen::NotRecognized;
                }
                renew = r == 2;
            }
            None => {
                if !own_keys_init(ctx, &x, &mut name, &iv, false) {
                    return TicketOpen::NotRecognized;
                }
            }
        }
        // SAFETY: live contexts.
        let (mac_len, iv_len) = unsafe { (c::HMAC_size(x.hmac), c::EVP_CIPHER_CTX_get_iv_length(x.cipher)) };
        let iv_len = usize::try_from(iv_len).unwrap_or(0);
        if mac_len == 0 || mac_len > 64 || ticket.len() <= NAME_LEN + iv_len + mac_len {
            return TicketOpen::NotRecognized;
        }
        let signed = ticket.len() - mac_len;
        let mut mac = [0u8; 64];
        // SAFETY: a live HMAC context; `mac` holds the digest.
        let ok = unsafe {
            c::HMAC_Update(x.hmac, ticket.as_ptr(), signed) == 1
                && c::HMAC_Final(x.hmac, mac.as_mut_ptr(), std::ptr::null_mut()) == 1
        };
        if !ok {
            return TicketOpen::Failed;
        }
        // SAFETY: both have `mac_len` bytes.
        if unsafe { c::CRYPTO_memcmp(mac.as_ptr().cast(), ticket[signed..].as_ptr().cast(), mac_len) } != 0 {
            return TicketOpen::NotRecognized;
        }
        let body = &ticket[NAME_LEN + iv_len..signed];
        let mut plain = vec![0u8; body.len() + 32];
        let (mut n, mut fin) = (0 as c_int, 0 as c_int);
        // SAFETY: `plain` has room for the input plus a block.
        let updated = unsafe {
            c::EVP_DecryptUpdate(x.cipher, plain.as_mut_ptr(), &mut n, body.as_ptr(), body.len() as c_int) == 1
        };
        if !updated {
            return TicketOpen::Failed;
        }
        // SAFETY: as above.
        if unsafe { c::EVP_DecryptFinal_ex(x.cipher, plain.as_mut_ptr().add(n as usize), &mut fin) } != 1 {
            return TicketOpen::NotRecognized;
        }
        plain.truncate((n + fin) as usize);
        // A TLS 1.3 resumption always gets a fresh ticket with the context's own keys.
        TicketOpen::Opened(plain, renew)
    }
}
