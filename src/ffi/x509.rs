//! The functions whose arguments or results are libcrypto objects (`X509`, `EVP_PKEY`,
//! `STACK_OF(X509)`, `STACK_OF(X509_NAME)`, `X509_STORE`, `BIO`): certificates and keys given as
//! objects, chains, the client CA list, the trust store, the peer's certificates and the
//! connection's BIOs. They exist in the drop-in `libssl.so.3` only (feature `libcrypto`), where
//! the program's own libcrypto makes and frees these objects; the `-lsesscache` build has the
//! file-based loaders instead.
//!
//! A `get0` result stays valid while its owner (context or connection) lives and the value it
//! reflects does not change, as in OpenSSL.

#[cfg(feature = "libcrypto")]
pub use with_libcrypto::*;

/// Without libcrypto there is no object to keep with a certificate or key.
#[cfg(not(feature = "libcrypto"))]
pub(crate) fn attach_cert(_der: &[u8]) -> Option<crate::tls::certs::Attached> {
    None
}

#[cfg(not(feature = "libcrypto"))]
pub(crate) fn attach_chain(_chain: &[rustls::pki_types::CertificateDer<'_>]) -> Option<crate::tls::certs::Attached> {
    None
}

#[cfg(not(feature = "libcrypto"))]
pub(crate) fn attach_key(_key: &rustls::pki_types::PrivateKeyDer<'_>) -> Option<crate::tls::certs::Attached> {
    None
}

#[cfg(feature = "libcrypto")]
mod with_libcrypto {
    use libc::{c_char, c_int, c_long, c_void};
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    use crate::ffi::boundary::{SSL, SSL_CTX, c_str, ffi_boundary};
    use crate::ffi::cert::{Target, cert_error, set_key};
    use crate::ffi::consts::*;
    use crate::state::ctx::Ctx;
    use crate::state::err::{self, LIB_SSL, reason};
    use crate::state::ssl::Ssl;
    use crate::sys::libcrypto::{self as c, BIO, EVP_PKEY, OPENSSL_STACK, X509, X509_STORE};
    use crate::sys::objects::{BioRef, NameStack, PkeyRef, PlainStack, StoreRef, X509Ref, X509Stack, stack_items};
    use crate::tls::certs::{Attached, Certs, Slot};

    /// A certificate's libcrypto object, kept with it so that `get0` returns one pointer.
    pub(crate) fn attach_cert(der: &[u8]) -> Option<Attached> {
        X509Ref::from_der(der).map(|x| Arc::new(x) as Attached)
    }

    /// A chain's `STACK_OF(X509)`, for `SSL_CTX_get0_chain_certs`.
    pub(crate) fn attach_chain(chain: &[CertificateDer<'_>]) -> Option<Attached> {
        X509Stack::from_ders(chain.iter().map(|c| c.as_ref())).map(|s| Arc::new(s) as Attached)
    }

    pub(crate) fn attach_key(key: &PrivateKeyDer<'_>) -> Option<Attached> {
        PkeyRef::from_der(key.secret_der()).map(|k| Arc::new(k) as Attached)
    }

    fn x509_of(a: &Option<Attached>) -> *mut X509 {
        a.as_ref().and_then(|o| o.downcast_ref::<X509Ref>()).map_or(std::ptr::null_mut(), X509Ref::as_ptr)
    }

    fn pkey_of(a: &Option<Attached>) -> *mut EVP_PKEY {
        a.as_ref().and_then(|o| o.downcast_ref::<PkeyRef>()).map_or(std::ptr::null_mut(), PkeyRef::as_ptr)
    }

    fn stack_of(a: &Option<Attached>) -> *mut OPENSSL_STACK {
        a.as_ref().and_then(|o| o.downcast_ref::<X509Stack>()).map_or(std::ptr::null_mut(), X509Stack::as_ptr)
    }

    fn null_param() -> Option<c_int> {
        err::raise(LIB_SSL, reason::PASSED_NULL_PARAMETER);
        None
    }

    /// `ssl_set_cert` with an object: the slot keeps a reference to `x`.
    ///
    /// # Safety
    /// `x` is NULL or a live certificate.
    unsafe fn use_certificate(target: Target<'_>, x: *mut X509) -> Option<c_int> {
        // SAFETY: `x` is NULL or live (the caller's promise).
        let Some(object) = (unsafe { X509Ref::up_ref(x) }) else { return null_param() };
        let der = object.der()?;
        let had_key = target.update(|set| set.current().is_some_and(|s| s.key.is_some()));
        let r = target.update(|set| set.set_leaf(CertificateDer::from(der), Some(Arc::new(object))));
        if had_key {
            // OpenSSL's ssl_set_cert clears the queue after checking a key already there.
            err::clear();
        }
        r.map(|()| 1).map_or_else(cert_error, Some)
    }

    /// `ssl_set_pkey` with an object.
    ///
    /// # Safety
    /// `k` is NULL or a live key.
    unsafe fn use_private_key(target: Target<'_>, k: *mut EVP_PKEY) -> Option<c_int> {
        // SAFETY: `k` is NULL or live (the caller's promise).
        let Some(object) = (unsafe { PkeyRef::up_ref(k) }) else { return null_param() };
        let Some(der) = object.pkcs8() else {
            err::raise(LIB_SSL, reason::UNKNOWN_CERTIFICATE_TYPE);
            return None;
        };
        set_key(target, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)), Some(Arc::new(object)))
    }

    /// Uses `x` as the context's certificate for its key type: 1, or 0 with an error queued.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context; `x` is NULL or a live certificate (a reference is taken).
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_use_certificate(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
        ffi_boundary!(0, |ctx| {
            // SAFETY: `x` is NULL or live (this function's contract).
            unsafe { use_certificate(Target::Ctx(&ctx), x) }
        })
    }

    /// As `SSL_CTX_use_certificate`, for this connection only.
    ///
    /// # Safety
    /// `s` is NULL or a live connection; `x` is NULL or a live certificate.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_use_certificate(s: *mut SSL, x: *mut X509) -> c_int {
        ffi_boundary!(0, |s| {
            // SAFETY: `x` is NULL or live (this function's contract).
            unsafe { use_certificate(Target::Ssl(&s), x) }
        })
    }

    /// Uses `pkey` as the private key for its type's certificate: 1, or 0 with an error queued
    /// (a key that does not match that certificate is refused).
    ///
    /// # Safety
    /// `ctx` is NULL or a live context; `pkey` is NULL or a live key (a reference is taken).
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_use_PrivateKey(ctx: *mut SSL_CTX, pkey: *mut EVP_PKEY) -> c_int {
        ffi_boundary!(0, |ctx| {
            // SAFETY: `pkey` is NULL or live (this function's contract).
            unsafe { use_private_key(Target::Ctx(&ctx), pkey) }
        })
    }

    /// As `SSL_CTX_use_PrivateKey`, for this connection only.
    ///
    /// # Safety
    /// `s` is NULL or a live connection; `pkey` is NULL or a live key.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_use_PrivateKey(s: *mut SSL, pkey: *mut EVP_PKEY) -> c_int {
        ffi_boundary!(0, |s| {
            // SAFETY: `pkey` is NULL or live (this function's contract).
            unsafe { use_private_key(Target::Ssl(&s), pkey) }
        })
    }

    /// The current certificate (lent); NULL if none.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_get0_certificate(ctx: *const SSL_CTX) -> *mut X509 {
        ffi_boundary!(std::ptr::null_mut(), |ctx| Some(
            ctx.tls.read().certs.current().map_or(std::ptr::null_mut(), |s| x509_of(&s.leaf_object))
        ))
    }

    /// The current private key (lent); NULL if none.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_get0_privatekey(ctx: *const SSL_CTX) -> *mut EVP_PKEY {
        ffi_boundary!(std::ptr::null_mut(), |ctx| Some(
            ctx.tls.read().certs.current().map_or(std::ptr::null_mut(), |s| pkey_of(&s.key_object))
        ))
    }

    /// The connection's current certificate (lent); NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_certificate(s: *const SSL) -> *mut X509 {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(
            s.certs().current().map_or(std::ptr::null_mut(), |slot| x509_of(&slot.leaf_object))
        ))
    }

    /// The connection's current private key (lent); NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_privatekey(s: *const SSL) -> *mut EVP_PKEY {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(
            s.certs().current().map_or(std::ptr::null_mut(), |slot| pkey_of(&slot.key_object))
        ))
    }

    /// The chain-related control commands of `SSL_CTX_ctrl` / `SSL_ctrl`: `Some(result)` for
    /// these commands, `None` for others.
    ///
    /// # Safety
    /// `parg` is what the command expects (see OpenSSL's macros): a live `X509`, a live
    /// `STACK_OF(X509)`, or a place for one.
    pub(crate) unsafe fn chain_ctrl(target: Target<'_>, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        let owned = larg == 0;
        match cmd {
            SSL_CTRL_CHAIN => {
                // set0 takes the stack; set1 copies it (new references).
                let sk = parg.cast::<OPENSSL_STACK>();
                // SAFETY: NULL or a live stack of certificates (the caller's promise).
                let items = unsafe { stack_items::<X509>(sk) };
                let ders: Option<Vec<Vec<u8>>> = items.iter().map(|&x| unsafe { X509Ref::der_of(x) }).collect();
                let Some(ders) = ders else { return Some(0) };
                let stack = if sk.is_null() {
                    None
                } else if owned {
                    // SAFETY: set0 hands the stack (and its references) over.
                    unsafe { X509Stack::adopt(sk) }
                } else {
                    // SAFETY: each element is a live certificate.
                    let refs: Vec<X509Ref> = items.iter().filter_map(|&x| unsafe { X509Ref::up_ref(x) }).collect();
                    X509Stack::of(&refs.iter().collect::<Vec<_>>())
                };
                Some(set_chain(&target, ders.into_iter().map(CertificateDer::from).collect(), stack))
            }
            SSL_CTRL_CHAIN_CERT => {
                let x = parg.cast::<X509>();
                // SAFETY: NULL or a live certificate (the caller's promise).
                let Some(der) = (unsafe { X509Ref::der_of(x) }) else { return Some(0) };
                let mut chain = target.update(|set| set.current().map(|s| s.chain.clone()).unwrap_or_default());
                chain.push(CertificateDer::from(der));
                let stack = X509Stack::from_ders(chain.iter().map(|c| c.as_ref()));
                let r = set_chain(&target, chain, stack);
                if r == 1 && owned {
                    // add0 takes the caller's reference: the stack holds its own.
                    // SAFETY: `x` is live and its reference is ours to give back.
                    unsafe { c::X509_free(x) };
                }
                Some(r)
            }
            SSL_CTRL_GET_CHAIN_CERTS => {
                let out = parg.cast::<*mut OPENSSL_STACK>();
                if out.is_null() {
                    return Some(0);
                }
                let sk = target.update(|set| set.current().map_or(std::ptr::null_mut(), |s| stack_of(&s.chain_object)));
                // SAFETY: a place for a stack pointer (the caller's promise).
                unsafe { out.write(sk) };
                Some(1)
            }
            SSL_CTRL_SET_CURRENT_CERT => Some(target.update(|set| match larg {
                SSL_CERT_SET_FIRST => set.select(true),
                SSL_CERT_SET_NEXT => set.select(false),
                _ => false,
            }) as c_long),
            SSL_CTRL_SELECT_CURRENT_CERT => {
                let x = parg.cast::<X509>();
                // SAFETY: NULL or a live certificate (the caller's promise).
                let der = unsafe { X509Ref::der_of(x) };
                Some(target.update(|set| {
                    set.select_leaf(|slot: &Slot| {
                        x509_of(&slot.leaf_object) == x || (der.is_some() && slot.leaf.as_deref() == der.as_deref())
                    })
                }) as c_long)
            }
            _ => None,
        }
    }

    fn set_chain(target: &Target<'_>, chain: Vec<CertificateDer<'static>>, stack: Option<X509Stack>) -> c_long {
        let object = stack.map(|s| Arc::new(s) as Attached);
        match target.update(|set| set.set_chain(chain, object)) {
            Ok(()) => 1,
            Err(e) => {
                cert_error(e);
                0
            }
        }
    }

    /// The context-only chain commands (extra chain certificates).
    ///
    /// # Safety
    /// As for [`chain_ctrl`].
    pub(crate) unsafe fn ctx_chain_ctrl(ctx: &Ctx, cmd: c_int, larg: c_long, parg: *mut c_void) -> Option<c_long> {
        match cmd {
            SSL_CTRL_EXTRA_CHAIN_CERT => {
                let x = parg.cast::<X509>();
                // SAFETY: NULL or a live certificate (the caller's promise).
                let Some(der) = (unsafe { X509Ref::der_of(x) }) else { return Some(0) };
                // SAFETY: the context takes the caller's reference.
                let object = unsafe { X509Ref::adopt(x) }?;
                ctx.attached.with(|o: &mut ExtraChain| {
                    o.objects.push(object);
                    o.stack = None;
                });
                crate::ffi::cert::update_ctx_certs(ctx, |set| set.add_extra_chain(CertificateDer::from(der)));
                Some(1)
            }
            SSL_CTRL_GET_EXTRA_CHAIN_CERTS => {
                let out = parg.cast::<*mut OPENSSL_STACK>();
                if out.is_null() {
                    return Some(0);
                }
                let sk = ctx.attached.with(|o: &mut ExtraChain| {
                    if o.objects.is_empty() {
                        return std::ptr::null_mut();
                    }
                    if o.stack.is_none() {
                        o.stack = X509Stack::of(&o.objects.iter().collect::<Vec<_>>());
                    }
                    o.stack.as_ref().map_or(std::ptr::null_mut(), X509Stack::as_ptr)
                });
                // With no extra certificates and larg 0, OpenSSL reports the current chain.
                let sk = if sk.is_null() && larg == 0 {
                    ctx.tls.read().certs.current().map_or(std::ptr::null_mut(), |s| stack_of(&s.chain_object))
                } else {
                    sk
                };
                // SAFETY: a place for a stack pointer (the caller's promise).
                unsafe { out.write(sk) };
                Some(1)
            }
            SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS => {
                ctx.attached.with(|o: &mut ExtraChain| *o = ExtraChain::default());
                crate::ffi::cert::update_ctx_certs(ctx, Certs::clear_extra_chain);
                Some(1)
            }
            _ => None,
        }
    }

    /// The certificates `SSL_CTX_add_extra_chain_cert` handed over, and the stack
    /// `SSL_CTX_get_extra_chain_certs` lends (made on demand).
    #[derive(Default)]
    struct ExtraChain {
        objects: Vec<X509Ref>,
        stack: Option<X509Stack>,
    }

    /// The context's trust store (lent), made on first use; NULL for a NULL ctx.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
        ffi_boundary!(std::ptr::null_mut(), |ctx| Some(store_of(&ctx)))
    }

    /// Replaces the context's trust store, taking the caller's reference (NULL: none).
    ///
    /// # Safety
    /// `ctx` is NULL or a live context; `store` is NULL or a live store.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
        ffi_boundary!((), |ctx| {
            // SAFETY: the context takes the caller's reference.
            let store = unsafe { StoreRef::adopt(store) };
            ctx.attached.with(|s: &mut TrustStore| s.0 = Some(store));
            Some(())
        })
    }

    /// A context's libcrypto trust store: `None` until first used, then the store (or none,
    /// after `SSL_CTX_set_cert_store(ctx, NULL)`).
    #[derive(Default)]
    pub(crate) struct TrustStore(Option<Option<StoreRef>>);

    /// The context's store, made on first use as OpenSSL's `SSL_CTX_new` makes it.
    pub(crate) fn store_of(ctx: &Ctx) -> *mut X509_STORE {
        ctx.attached.with(|s: &mut TrustStore| {
            let store = s.0.get_or_insert_with(|| {
                // SAFETY: a new store, owned here.
                unsafe { StoreRef::adopt(c::X509_STORE_new()) }
            });
            store.as_ref().map_or(std::ptr::null_mut(), StoreRef::as_ptr)
        })
    }

    /// `SSL_CTX_load_verify_locations` on libcrypto's store: `Some(ok)`.
    pub(crate) fn load_verify_locations(ctx: &Ctx, file: Option<&str>, dir: Option<&str>) -> bool {
        let store = store_of(ctx);
        if store.is_null() {
            return false;
        }
        let cstring = |s: &str| std::ffi::CString::new(s).ok();
        if let Some(f) = file {
            let Some(f) = cstring(f) else { return false };
            // SAFETY: a live store and a NUL-terminated path.
            if unsafe { c::X509_STORE_load_file(store, f.as_ptr()) } != 1 {
                return false;
            }
        }
        if let Some(d) = dir {
            let Some(d) = cstring(d) else { return false };
            // SAFETY: as above.
            if unsafe { c::X509_STORE_load_path(store, d.as_ptr()) } != 1 {
                return false;
            }
        }
        true
    }

    /// The context's client CA list (`STACK_OF(X509_NAME)`, owned by the context).
    #[derive(Default)]
    struct ClientCaList(Option<NameStack>);

    /// The names sent in a CertificateRequest (lent); NULL if none were set.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_get_client_CA_list(ctx: *const SSL_CTX) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |ctx| Some(
            ctx.attached.with(|l: &mut ClientCaList| l.0.as_ref().map_or(std::ptr::null_mut(), NameStack::as_ptr))
        ))
    }

    /// Sets the names sent in a CertificateRequest, taking the list (NULL clears it).
    ///
    /// # Safety
    /// `ctx` is NULL or a live context; `list` is NULL or a live `STACK_OF(X509_NAME)` that the
    /// context now owns.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_set_client_CA_list(ctx: *mut SSL_CTX, list: *mut OPENSSL_STACK) {
        ffi_boundary!((), |ctx| {
            // SAFETY: the context takes the list.
            let list = unsafe { NameStack::adopt(list) };
            let ders = list.as_ref().map(NameStack::ders).unwrap_or_default();
            ctx.attached.with(|l: &mut ClientCaList| l.0 = list);
            ctx.tls.write().client_ca_names = Arc::new(ders);
            Some(())
        })
    }

    /// The subject names of the certificates in a PEM file, without duplicates, in a new list
    /// the caller owns; NULL if the file cannot be read or holds none.
    ///
    /// # Safety
    /// `file` is NULL or a NUL-terminated path.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_load_client_CA_file(file: *const c_char) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), {
            // SAFETY: NULL or NUL-terminated (this function's contract).
            let path = unsafe { c_str(file) }?;
            let names = NameStack::new()?;
            let count = add_file_subjects(names.as_ptr(), path)?;
            if count == 0 {
                return None;
            }
            // As OpenSSL: the end-of-file error the last read queued is cleared on success.
            err::clear();
            Some(names.into_ptr())
        })
    }

    /// Adds the subject names of the certificates in a PEM file to `stack`, skipping names it
    /// already holds: 1, also for a file with no certificate (as OpenSSL 3.0); 0 if the file
    /// cannot be read.
    ///
    /// # Safety
    /// `stack` is NULL or a live `STACK_OF(X509_NAME)`; `file` is NULL or a NUL-terminated path.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_add_file_cert_subjects_to_stack(
        stack: *mut OPENSSL_STACK,
        file: *const c_char,
    ) -> c_int {
        ffi_boundary!(0, {
            if stack.is_null() {
                return None;
            }
            // SAFETY: NULL or NUL-terminated (this function's contract).
            let path = unsafe { c_str(file) }?;
            add_file_subjects(stack, path)?;
            err::clear();
            Some(1)
        })
    }

    /// Reads every certificate of a PEM file and adds its subject to `stack` unless there;
    /// how many certificates were read, `None` if the file cannot be opened or memory ran out.
    fn add_file_subjects(stack: *mut OPENSSL_STACK, path: &str) -> Option<usize> {
        let path = std::ffi::CString::new(path).ok()?;
        // SAFETY: a NUL-terminated path and mode.
        let bio = unsafe { BioRef::adopt(c::BIO_new_file(path.as_ptr(), c"r".as_ptr())) }?;
        let mut count = 0;
        loop {
            // SAFETY: a live file BIO; the certificate read is ours.
            let x = unsafe {
                c::PEM_read_bio_X509(bio.as_ptr(), std::ptr::null_mut(), std::ptr::null(), std::ptr::null_mut())
            };
            // SAFETY: NULL or a new certificate.
            let Some(x) = (unsafe { X509Ref::adopt(x) }) else { break };
            count += 1;
            // SAFETY: the certificate is live and its subject name lives as long; `stack` is a
            // live stack of names (the callers' contract).
            if !unsafe { crate::sys::objects::push_unique_name(stack, c::X509_get_subject_name(x.as_ptr())) } {
                return None;
            }
        }
        Some(count)
    }

    /// The connection's client CA list (lent): the names a server sends in its CertificateRequest,
    /// those of the context it is on (a connection has no list of its own here). A client gets
    /// NULL: the names the server sent are not kept.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_client_CA_list(s: *const SSL) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |s| {
            if !s.is_server() {
                return Some(std::ptr::null_mut());
            }
            let ctx = s.current_ctx();
            Some(ctx.attached.with(|l: &mut ClientCaList| l.0.as_ref().map_or(std::ptr::null_mut(), NameStack::as_ptr)))
        })
    }

    /// The compression methods: an empty list (lent), as OpenSSL 3.0 built without zlib has.
    #[unsafe(no_mangle)]
    pub extern "C" fn SSL_COMP_get_compression_methods() -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), {
            static EMPTY: std::sync::OnceLock<Option<PlainStack>> = std::sync::OnceLock::new();
            Some(
                EMPTY
                    .get_or_init(|| PlainStack::from_ptrs([]))
                    .as_ref()
                    .map_or(std::ptr::null_mut(), PlainStack::as_ptr),
            )
        })
    }

    /// The suites of a connection's or context's cipher lists, TLS 1.3 first, as
    /// `STACK_OF(SSL_CIPHER)`, lent (valid until the lists change).
    #[derive(Default)]
    struct LentCiphers(Option<(Vec<u16>, PlainStack)>);

    fn cipher_ids(settings: &crate::state::settings::ConnSettings) -> Vec<u16> {
        use crate::core::cipher_list::{tls12_from_string, tls13_from_string};
        let tls13 = settings.tls13_suites.as_deref().map(<[u16]>::to_vec).unwrap_or_else(|| {
            tls13_from_string("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
                .unwrap_or_default()
        });
        let tls12 = settings
            .tls12_suites
            .as_deref()
            .map(<[u16]>::to_vec)
            .unwrap_or_else(|| tls12_from_string("DEFAULT").unwrap_or_default());
        tls13.into_iter().chain(tls12).collect()
    }

    fn lend_ciphers(attached: &crate::state::attached::Attachments, ids: Vec<u16>) -> *mut OPENSSL_STACK {
        attached.with(|l: &mut LentCiphers| {
            if l.0.as_ref().is_none_or(|(had, _)| *had != ids) {
                let ptrs: Vec<*const c_void> =
                    ids.iter().map(|id| crate::ffi::cipher::cipher_ptr(Some(*id)).cast()).collect();
                l.0 = PlainStack::from_ptrs(ptrs).map(|st| (ids, st));
            }
            l.0.as_ref().map_or(std::ptr::null_mut(), |(_, st)| st.as_ptr())
        })
    }

    /// The connection's cipher suites in preference order, TLS 1.3 ones first (lent); NULL for
    /// NULL.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_ciphers(s: *const SSL) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(lend_ciphers(&s.attached, cipher_ids(&s.settings()))))
    }

    /// As `SSL_get_ciphers`, for the context.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_get_ciphers(ctx: *const SSL_CTX) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |ctx| {
            let ids = cipher_ids(&ctx.tls.read().conn);
            Some(lend_ciphers(&ctx.attached, ids))
        })
    }

    /// Takes the key of DH parameters for DHE suites: 1. sesscache never negotiates DHE (rustls
    /// has no DHE suites), so the key is freed unused, as `SSL_CTX_set_tmp_dh` is accepted.
    ///
    /// # Safety
    /// `ctx` is NULL or a live context; `dhpkey` is NULL or a key whose reference the caller
    /// gives up.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_CTX_set0_tmp_dh_pkey(ctx: *mut SSL_CTX, dhpkey: *mut EVP_PKEY) -> c_int {
        ffi_boundary!(0, |ctx| {
            let _ = ctx;
            // SAFETY: the caller's reference, given up (this function's contract).
            drop(unsafe { PkeyRef::adopt(dhpkey) });
            Some(1)
        })
    }

    /// As `SSL_CTX_set0_tmp_dh_pkey`, for one connection.
    ///
    /// # Safety
    /// As `SSL_CTX_set0_tmp_dh_pkey`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_set0_tmp_dh_pkey(s: *mut SSL, dhpkey: *mut EVP_PKEY) -> c_int {
        ffi_boundary!(0, |s| {
            let _ = s;
            // SAFETY: the caller's reference, given up (this function's contract).
            drop(unsafe { PkeyRef::adopt(dhpkey) });
            Some(1)
        })
    }

    /// A chain as lent: the DER it was made from, and the stack.
    type LentChain = (Vec<CertificateDer<'static>>, X509Stack);

    /// A connection's libcrypto objects: the peer's certificates as lent or given, the BIO.
    #[derive(Default)]
    struct ConnObjects {
        peer_chain: Option<LentChain>,
        verified_chain: Option<LentChain>,
        bio: Option<((c_int, c_int), BioRef, Option<BioRef>)>,
    }

    fn peer_x509(s: &Ssl) -> *mut X509 {
        s.session().map_or(std::ptr::null_mut(), |sess| session_peer(&sess))
    }

    /// The session's peer certificate as a libcrypto object kept with the session (OpenSSL's
    /// `session->peer`), made from the DER the session records; NULL if none.
    fn session_peer(sess: &crate::core::session::Session) -> *mut X509 {
        type Peer = (Vec<u8>, X509Ref);
        let Some(der) = sess.read().extra().peer_cert.clone() else {
            return std::ptr::null_mut();
        };
        let current = |lent: &Option<Box<crate::core::session::Lent>>| {
            lent.as_ref().and_then(|l| l.downcast_ref::<Peer>()).filter(|(d, _)| *d == der).map(|(_, x)| x.as_ptr())
        };
        if let Some(x) = sess.with_lent(|l| current(l)) {
            return x;
        }
        // Made outside the session's lock: libcrypto may run the program's ex_data callbacks.
        let Some(made) = X509Ref::from_der(&der) else { return std::ptr::null_mut() };
        let (x, replaced) = sess.with_lent(|l| match current(l) {
            // Another thread installed one first: keep that pointer, drop ours.
            Some(x) => (x, Some(Box::new(Box::new((der.clone(), made)) as crate::core::session::Lent))),
            None => {
                let x = made.as_ptr();
                (x, l.replace(Box::new(Box::new((der.clone(), made)) as crate::core::session::Lent)))
            }
        });
        drop(replaced);
        x
    }

    /// The peer's certificate recorded in the session (lent, valid while the session lives and
    /// its peer does not change); NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live session.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_SESSION_get0_peer(s: *mut crate::ffi::boundary::SSL_SESSION) -> *mut X509 {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(session_peer(&s)))
    }

    /// The peer's certificate with a new reference (free it with `X509_free`); NULL if the peer
    /// sent none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get1_peer_certificate(s: *const SSL) -> *mut X509 {
        ffi_boundary!(std::ptr::null_mut(), |s| {
            let x = peer_x509(&s);
            // SAFETY: NULL or a live certificate of this connection.
            Some(unsafe { X509Ref::up_ref(x) }.map_or(std::ptr::null_mut(), X509Ref::into_ptr))
        })
    }

    /// The peer's certificate (lent); NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get0_peer_certificate(s: *const SSL) -> *mut X509 {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(peer_x509(&s)))
    }

    fn lent_stack(
        s: &Ssl,
        certs: Option<Vec<CertificateDer<'static>>>,
        slot: fn(&mut ConnObjects) -> &mut Option<LentChain>,
    ) -> *mut OPENSSL_STACK {
        let Some(certs) = certs else { return std::ptr::null_mut() };
        s.attached.with(|o: &mut ConnObjects| {
            let place = slot(o);
            if place.as_ref().is_none_or(|(d, _)| *d != certs) {
                *place = X509Stack::from_ders(certs.iter().map(|c| c.as_ref())).map(|st| (certs, st));
            }
            place.as_ref().map_or(std::ptr::null_mut(), |(_, st)| st.as_ptr())
        })
    }

    /// The certificates the peer sent (lent): a client sees the server's leaf first; a server
    /// sees the client's chain without its leaf, as OpenSSL. NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_peer_cert_chain(s: *const SSL) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |s| {
            let sent = s.peer_chain();
            let certs = sent.map(|c| if s.is_server() { c[1.min(c.len())..].to_vec() } else { c.to_vec() });
            Some(lent_stack(&s, certs, |o| &mut o.peer_chain))
        })
    }

    /// The chain the peer's certificate was verified with, leaf first (lent); NULL if it was not
    /// verified.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get0_verified_chain(s: *const SSL) -> *mut OPENSSL_STACK {
        ffi_boundary!(std::ptr::null_mut(), |s| {
            let chain = s.verified_chain();
            Some(lent_stack(&s, chain.map(|c| c.to_vec()), |o| &mut o.verified_chain))
        })
    }

    /// The socket BIO over the connection's descriptors (lent): one BIO when both directions
    /// use the same descriptor, as `SSL_set_fd` makes in OpenSSL; NULL before any descriptor.
    fn bio_of(s: &Ssl, write: bool) -> *mut BIO {
        let (r, w) = (s.rfd(), s.wfd());
        let fd = if write { w } else { r };
        if fd < 0 {
            return std::ptr::null_mut();
        }
        s.attached.with(|o: &mut ConnObjects| {
            if o.bio.as_ref().is_none_or(|(fds, _, _)| *fds != (r, w)) {
                // SAFETY: socket BIOs over descriptors the application owns (never closed here).
                let make = |fd| unsafe { BioRef::adopt(c::BIO_new_socket(fd, c::BIO_NOCLOSE)) };
                o.bio = make(r.max(0)).map(|rb| ((r, w), rb, if r == w { None } else { make(w) }));
            }
            match &o.bio {
                Some((_, rb, wb)) if write => wb.as_ref().unwrap_or(rb).as_ptr(),
                Some((_, rb, _)) => rb.as_ptr(),
                None => std::ptr::null_mut(),
            }
        })
    }

    /// The BIO the connection reads from (lent): the one `SSL_set_bio` gave, else a socket BIO
    /// over the descriptor; NULL if none.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_rbio(s: *const SSL) -> *mut BIO {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(current_rbio(&s)))
    }

    /// The BIO the connection writes to (lent), as `SSL_get_rbio`.
    ///
    /// # Safety
    /// `s` is NULL or a live connection.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_get_wbio(s: *const SSL) -> *mut BIO {
        ffi_boundary!(std::ptr::null_mut(), |s| Some(current_wbio(&s)))
    }

    fn current_rbio(s: &Ssl) -> *mut BIO {
        s.read_transport().map_or_else(|| bio_of(s, false), |t| t.handle().cast())
    }

    fn current_wbio(s: &Ssl) -> *mut BIO {
        s.write_transport().map_or_else(|| bio_of(s, true), |t| t.handle().cast())
    }

    /// A program's BIO as the connection's transport; it owns one reference (given back with
    /// `BIO_free_all`, as `SSL_free` does).
    struct BioTransport(std::ptr::NonNull<BIO>);

    // SAFETY: a BIO is used by one connection, under that connection's I/O lock; its reference
    // count is atomic.
    unsafe impl Send for BioTransport {}
    // SAFETY: as above.
    unsafe impl Sync for BioTransport {}

    impl BioTransport {
        /// The error for a call that returned `n <= 0`: `WouldBlock` when the BIO asks to be
        /// retried, else a transport failure (`SSL_ERROR_SYSCALL`).
        fn failure(&self) -> std::io::Error {
            // SAFETY: a live BIO (we hold a reference).
            if unsafe { c::BIO_test_flags(self.0.as_ptr(), c::BIO_FLAGS_SHOULD_RETRY) } != 0 {
                std::io::ErrorKind::WouldBlock.into()
            } else {
                std::io::Error::other("BIO failure")
            }
        }
    }

    impl crate::state::ssl::Transport for BioTransport {
        fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
            // SAFETY: a live BIO; `buf` has room for `len` bytes.
            let n = unsafe { c::BIO_read(self.0.as_ptr(), buf.as_mut_ptr().cast(), len) };
            if n > 0 {
                return Ok(n as usize);
            }
            let retry = self.failure();
            if retry.kind() == std::io::ErrorKind::WouldBlock {
                return Err(retry);
            }
            // As OpenSSL's ssl3_read_n: no retry and BIO_eof is the end of input, whatever the
            // return value (a -1 there is returned as -1: `UnexpectedEof`); a plain 0 is too.
            // SAFETY: a live BIO.
            let eof = unsafe { c::BIO_ctrl(self.0.as_ptr(), c::BIO_CTRL_EOF, 0, std::ptr::null_mut()) } > 0;
            match (eof, n) {
                (_, 0) => Ok(0),
                (true, _) => Err(std::io::ErrorKind::UnexpectedEof.into()),
                (false, _) => Err(retry),
            }
        }

        fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
            let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
            // SAFETY: a live BIO; `buf` holds `len` bytes.
            let n = unsafe { c::BIO_write(self.0.as_ptr(), buf.as_ptr().cast(), len) };
            if n > 0 { Ok(n as usize) } else { Err(self.failure()) }
        }

        fn flush(&self) -> std::io::Result<()> {
            // SAFETY: a live BIO.
            let r = unsafe { c::BIO_ctrl(self.0.as_ptr(), c::BIO_CTRL_FLUSH, 0, std::ptr::null_mut()) };
            if r > 0 { Ok(()) } else { Err(self.failure()) }
        }

        fn handle(&self) -> *mut c_void {
            self.0.as_ptr().cast()
        }
    }

    impl Drop for BioTransport {
        fn drop(&mut self) {
            // SAFETY: the reference this transport owns.
            unsafe { c::BIO_free_all(self.0.as_ptr()) }
        }
    }

    /// A transport adopting the caller's reference to `b`; `None` for NULL.
    fn adopt_bio(b: *mut BIO) -> Option<Arc<dyn crate::state::ssl::Transport>> {
        std::ptr::NonNull::new(b).map(|b| Arc::new(BioTransport(b)) as Arc<dyn crate::state::ssl::Transport>)
    }

    /// Makes `rbio` the BIO records are read from, taking over the caller's reference (NULL:
    /// none). The BIO it replaces is freed.
    ///
    /// # Safety
    /// `s` is NULL or a live connection; `rbio` is NULL or a live BIO whose reference the
    /// caller gives up.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_set0_rbio(s: *mut SSL, rbio: *mut BIO) {
        ffi_boundary!((), |s| {
            let old = s.set_transports(Some(adopt_bio(rbio)), None);
            drop(old);
            Some(())
        })
    }

    /// As `SSL_set0_rbio`, for the BIO records are written to.
    ///
    /// # Safety
    /// As `SSL_set0_rbio`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_set0_wbio(s: *mut SSL, wbio: *mut BIO) {
        ffi_boundary!((), |s| {
            let old = s.set_transports(None, Some(adopt_bio(wbio)));
            drop(old);
            Some(())
        })
    }

    /// Sets the read and write BIOs with OpenSSL 3.0's ownership rules: nothing changes if both
    /// are the current ones; the same BIO for both costs the caller one reference; when only one
    /// of them changes, only that one's reference is taken (for a new read BIO, only when the
    /// old read and write BIOs differed).
    ///
    /// # Safety
    /// `s` is NULL or a live connection; `rbio` and `wbio` are NULL or live BIOs whose
    /// references the caller gives up as described.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn SSL_set_bio(s: *mut SSL, rbio: *mut BIO, wbio: *mut BIO) {
        ffi_boundary!((), |s| {
            let (cur_r, cur_w) = (current_rbio(&s), current_wbio(&s));
            if rbio == cur_r && wbio == cur_w {
                return Some(());
            }
            if !rbio.is_null() && rbio == wbio {
                // SAFETY: a live BIO (this function's contract): the second reference we keep.
                unsafe { c::BIO_up_ref(rbio) };
            }
            let old = if rbio == cur_r {
                s.set_transports(None, Some(adopt_bio(wbio)))
            } else if wbio == cur_w && cur_r != cur_w {
                s.set_transports(Some(adopt_bio(rbio)), None)
            } else {
                s.set_transports(Some(adopt_bio(rbio)), Some(adopt_bio(wbio)))
            };
            drop(old);
            Some(())
        })
    }

    /// The ex_data index under which a verify callback finds the `SSL` in its
    /// `X509_STORE_CTX`; the same index on every call, -1 if libcrypto cannot make one.
    #[unsafe(no_mangle)]
    pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
        ffi_boundary!(-1, { Some(store_ctx_index()) })
    }

    pub(crate) fn store_ctx_index() -> c_int {
        static INDEX: std::sync::OnceLock<c_int> = std::sync::OnceLock::new();
        *INDEX.get_or_init(|| {
            // SAFETY: registers an index with no callbacks, as OpenSSL's libssl does once.
            unsafe {
                c::CRYPTO_get_ex_new_index(
                    c::CRYPTO_EX_INDEX_X509_STORE_CTX,
                    0,
                    c"SSL for verify callback".as_ptr().cast_mut().cast(),
                    std::ptr::null(),
                    std::ptr::null(),
                    std::ptr::null(),
                )
            }
        })
    }

    /// OpenSSL's `ssl_verify_cert_chain`: the chain against the current context's store, with
    /// the connection's verify depth and callback, the `SSL` in the store context's ex_data.
    pub(crate) fn verify_chain(
        ssl: &Ssl,
        chain: &[CertificateDer<'_>],
        peer_is_client: bool,
    ) -> crate::state::ctx::VerifyOutcome {
        use crate::ffi::boundary::ArcHandle;
        use crate::state::ctx::VerifyOutcome;
        /// `X509_V_ERR_UNSPECIFIED`.
        const UNSPECIFIED: i64 = 1;
        let failed = VerifyOutcome { accepted: false, result: UNSPECIFIED, verified_chain: None };
        let ctx = ssl.current_ctx();
        let store = store_of(&ctx);
        let Some(certs) = X509Stack::from_ders(chain.iter().map(|c| c.as_ref())) else { return failed };
        let Some(&leaf) = certs.items().first() else { return failed };
        let settings = ssl.settings();
        // SAFETY: a new store context, freed below; every object passed is live for the call.
        unsafe {
            let sctx = c::X509_STORE_CTX_new();
            if sctx.is_null() {
                return failed;
            }
            if c::X509_STORE_CTX_init(sctx, store, leaf, certs.as_ptr()) != 1
                || c::X509_STORE_CTX_set_ex_data(sctx, store_ctx_index(), SSL::handle(ssl).cast()) != 1
            {
                c::X509_STORE_CTX_free(sctx);
                return failed;
            }
            let purpose = if peer_is_client { c"ssl_client" } else { c"ssl_server" };
            c::X509_STORE_CTX_set_default(sctx, purpose.as_ptr());
            if settings.verify_depth >= 0 {
                c::X509_VERIFY_PARAM_set_depth(c::X509_STORE_CTX_get0_param(sctx), settings.verify_depth);
            }
            if let Some(cb) = settings.verify_callback {
                let cb: c::VerifyCb = crate::ffi::callbacks::restore(cb);
                c::X509_STORE_CTX_set_verify_cb(sctx, Some(cb));
            }
            let ok = c::X509_verify_cert(sctx) > 0;
            let result = i64::from(c::X509_STORE_CTX_get_error(sctx));
            let built = X509Stack::adopt(c::X509_STORE_CTX_get1_chain(sctx));
            c::X509_STORE_CTX_free(sctx);
            let verified_chain = built
                .map(|b| b.items().into_iter().filter_map(|x| X509Ref::der_of(x)).map(CertificateDer::from).collect());
            VerifyOutcome { accepted: ok, result, verified_chain }
        }
    }
}
