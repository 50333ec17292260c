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

/// `int cb(SSL *s, unsigned char key_name[16], unsigned char iv[16], EVP_CIPHER_CTX *ctx,
/// EVP_MAC_CTX *hctx, int enc)`.
#[cfg(feature = "libcrypto")]
pub(crate) type TicketKeyEvpCb = TicketKeyCb;

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

    /// The MAC of a ticket: a legacy HMAC context (`SSL_CTX_set_tlsext_ticket_key_cb` and the
    /// context's own keys) or an `EVP_MAC_CTX` for HMAC (`..._evp_cb`).
    enum Mac {
        Legacy(*mut c::HMAC_CTX),
        Evp(*mut c::EVP_MAC_CTX),
    }

    /// A cipher and a MAC context, freed together.
    struct Contexts {
        cipher: *mut c::EVP_CIPHER_CTX,
        mac: Mac,
    }

    impl Contexts {
        fn new(evp: bool) -> Option<Contexts> {
            // SAFETY: new objects, freed in drop.
            let this = unsafe {
                let mac = if evp {
                    let hmac = c::EVP_MAC_fetch(std::ptr::null_mut(), c"HMAC".as_ptr(), std::ptr::null());
                    let ctx = if hmac.is_null() { std::ptr::null_mut() } else { c::EVP_MAC_CTX_new(hmac) };
                    // The context keeps its own reference to the algorithm.
                    c::EVP_MAC_free(hmac);
                    Mac::Evp(ctx)
                } else {
                    Mac::Legacy(c::HMAC_CTX_new())
                };
                Contexts { cipher: c::EVP_CIPHER_CTX_new(), mac }
            };
            let mac_ok = match this.mac {
                Mac::Legacy(h) => !h.is_null(),
                Mac::Evp(m) => !m.is_null(),
            };
            (!this.cipher.is_null() && mac_ok).then_some(this)
        }

        /// The MAC context as the callback takes it.
        fn mac_ptr(&self) -> *mut c_void {
            match self.mac {
                Mac::Legacy(h) => h.cast(),
                Mac::Evp(m) => m.cast(),
            }
        }

        fn mac_size(&self) -> usize {
            // SAFETY: live contexts.
            unsafe {
                match self.mac {
                    Mac::Legacy(h) => c::HMAC_size(h),
                    Mac::Evp(m) => c::EVP_MAC_CTX_get_mac_size(m),
                }
            }
        }

        /// The MAC of `data` into `out` (64 bytes); its length, `None` on failure.
        fn mac_of(&self, data: &[u8], out: &mut [u8; 64]) -> Option<usize> {
            // SAFETY: live contexts; `out` holds any digest libcrypto makes (at most 64 bytes).
            unsafe {
                match self.mac {
                    Mac::Legacy(h) => {
                        let mut n: c_uint = 0;
                        (c::HMAC_Update(h, data.as_ptr(), data.len()) == 1
                            && c::HMAC_Final(h, out.as_mut_ptr(), &mut n) == 1)
                            .then_some(n as usize)
                    }
                    Mac::Evp(m) => {
                        let mut n: usize = 0;
                        (c::EVP_MAC_update(m, data.as_ptr(), data.len()) == 1
                            && c::EVP_MAC_final(m, out.as_mut_ptr(), &mut n, out.len()) == 1)
                            .then_some(n)
                    }
                }
            }
        }
    }

    impl Drop for Contexts {
        fn drop(&mut self) {
            // SAFETY: ours (NULL is accepted by each).
            unsafe {
                c::EVP_CIPHER_CTX_free(self.cipher);
                match self.mac {
                    Mac::Legacy(h) => c::HMAC_CTX_free(h),
                    Mac::Evp(m) => c::EVP_MAC_CTX_free(m),
                }
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
            let Mac::Legacy(hmac) = x.mac else { return false };
            init == 1
                && c::HMAC_Init_ex(hmac, keys[16..48].as_ptr().cast(), 32, c::EVP_sha256(), std::ptr::null_mut()) == 1
        }
    }

    /// The application's callback and whether it is the EVP one (which OpenSSL prefers).
    fn callback(ctx: &Ctx) -> Option<(TicketKeyCb, bool)> {
        let fns = *crate::ffi::ctx::c_callbacks(ctx)?.handshake.read();
        fns.ticket_key_evp.map(|cb| (cb, true)).or(fns.ticket_key.map(|cb| (cb, false)))
    }

    /// OpenSSL's `construct_stateless_ticket`, from the session DER.
    pub(crate) fn seal(ssl: &Ssl, plain: &[u8]) -> TicketSeal {
        let ctx = &ssl.ctx;
        let cb = callback(ctx);
        let Some(x) = Contexts::new(cb.is_some_and(|(_, evp)| evp)) else { return TicketSeal::Failed };
        let mut name = [0u8; NAME_LEN];
        let mut iv = [0u8; MAX_IV_LEN];
        match cb {
            Some((cb, _)) => {
                // SAFETY: the application's callback with live buffers and contexts.
                let r = unsafe {
                    cb(SSL::handle(ssl), name.as_mut_ptr(), iv.as_mut_ptr(), x.cipher.cast(), x.mac_ptr(), 1)
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
        let Some(mac_len) = x.mac_of(&ticket, &mut mac) else { return TicketSeal::Failed };
        ticket.extend_from_slice(&mac[..mac_len.min(64)]);
        TicketSeal::Sealed(ticket)
    }

    /// OpenSSL's `tls_decrypt_ticket`, up to the session DER.
    pub(crate) fn open(ssl: &Ssl, ticket: &[u8]) -> TicketOpen {
        let ctx = &ssl.ctx;
        if ticket.len() < NAME_LEN + MAX_IV_LEN {
            return TicketOpen::NotRecognized;
        }
        let cb = callback(ctx);
        let Some(x) = Contexts::new(cb.is_some_and(|(_, evp)| evp)) else { return TicketOpen::Failed };
        let mut name: [u8; NAME_LEN] = ticket[..NAME_LEN].try_into().expect("checked length");
        let mut iv: [u8; MAX_IV_LEN] = ticket[NAME_LEN..NAME_LEN + MAX_IV_LEN].try_into().expect("checked length");
        let mut renew = false;
        match cb {
            Some((cb, _)) => {
                // SAFETY: the application's callback; OpenSSL passes the ticket's own bytes.
                let r = unsafe {
                    cb(SSL::handle(ssl), name.as_mut_ptr(), iv.as_mut_ptr(), x.cipher.cast(), x.mac_ptr(), 0)
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
        // SAFETY: a live cipher context.
        let (mac_len, iv_len) = (x.mac_size(), unsafe { c::EVP_CIPHER_CTX_get_iv_length(x.cipher) });
        let iv_len = usize::try_from(iv_len).unwrap_or(0);
        if mac_len == 0 || mac_len > 64 || ticket.len() <= NAME_LEN + iv_len + mac_len {
            return TicketOpen::NotRecognized;
        }
        let signed = ticket.len() - mac_len;
        let mut mac = [0u8; 64];
        if x.mac_of(&ticket[..signed], &mut mac).is_none() {
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

/// Installs (or clears) the ticket-key callback that gets an `EVP_MAC_CTX` for the HMAC
/// (OpenSSL 3.0's form; it takes precedence over `SSL_CTX_set_tlsext_ticket_key_cb`): 1.
/// Tickets are then sealed and opened with the cipher and MAC the callback sets up, in
/// OpenSSL's layout. Drop-in only.
///
/// # Safety
/// `ctx` is NULL or a live context.
///
/// cbindgen:ignore
#[cfg(feature = "libcrypto")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_ticket_key_evp_cb(
    ctx: *mut super::boundary::SSL_CTX,
    cb: Option<TicketKeyEvpCb>,
) -> c_int {
    super::boundary::ffi_boundary!(0, |ctx| {
        super::ctx::c_callbacks(&ctx)?.handshake.write().ticket_key_evp = cb;
        Some(1)
    })
}
