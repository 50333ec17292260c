//! Owned references to libcrypto objects (one reference each, given back on drop) and their
//! conversions to and from DER. libcrypto's reference counts are atomic, so the owners may move
//! between threads.

use std::ptr::NonNull;

use libc::{c_int, c_long, c_void};

use super::libcrypto as c;

macro_rules! owned {
    ($(#[$doc:meta])* $name:ident, $ty:ty, |$p:ident| $free:expr) => {
        $(#[$doc])*
        pub struct $name(NonNull<$ty>);

        // SAFETY: libcrypto objects are reference counted with atomics and not tied to a thread.
        unsafe impl Send for $name {}
        // SAFETY: as above; shared use goes through libcrypto's own locking.
        unsafe impl Sync for $name {}

        impl $name {
            /// Takes over one reference (`None` for NULL).
            ///
            /// # Safety
            /// `p` is NULL or a live object whose reference the caller gives up.
            pub unsafe fn adopt(p: *mut $ty) -> Option<$name> {
                NonNull::new(p).map($name)
            }

            pub fn as_ptr(&self) -> *mut $ty {
                self.0.as_ptr()
            }

            /// Gives the reference to the caller (C).
            pub fn into_ptr(self) -> *mut $ty {
                let p = self.0.as_ptr();
                std::mem::forget(self);
                p
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                let $p = self.0.as_ptr();
                // SAFETY: this owner holds one reference.
                unsafe { $free };
            }
        }
    };
}

owned!(
    /// An `X509 *`.
    X509Ref, c::X509, |p| c::X509_free(p)
);
owned!(
    /// An `EVP_PKEY *`.
    PkeyRef, c::EVP_PKEY, |p| c::EVP_PKEY_free(p)
);
owned!(
    /// A `STACK_OF(X509) *` that owns its certificates.
    X509Stack, c::OPENSSL_STACK, |p| c::OPENSSL_sk_pop_free(p, Some(free_x509))
);
owned!(
    /// A `STACK_OF(X509_NAME) *` that owns its names.
    NameStack, c::OPENSSL_STACK, |p| c::OPENSSL_sk_pop_free(p, Some(free_name))
);
owned!(
    /// A stack that owns nothing it points to (`STACK_OF(SSL_CIPHER)`, `STACK_OF(SSL_COMP)`).
    PlainStack, c::OPENSSL_STACK, |p| c::OPENSSL_sk_free(p)
);
owned!(
    /// An `X509_STORE *`.
    StoreRef, c::X509_STORE, |p| c::X509_STORE_free(p)
);
owned!(
    /// A `BIO *`.
    BioRef, c::BIO, |p| {
        c::BIO_free(p);
    }
);

unsafe extern "C" fn free_x509(p: *mut c_void) {
    // SAFETY: an element of a certificate stack.
    unsafe { c::X509_free(p.cast()) }
}

unsafe extern "C" fn free_name(p: *mut c_void) {
    // SAFETY: an element of a name stack.
    unsafe { c::X509_NAME_free(p.cast()) }
}

/// The DER of an object through its `i2d_*` function, written into a buffer of ours.
fn i2d<T>(p: *const T, f: unsafe extern "C" fn(*const T, *mut *mut u8) -> c_int) -> Option<Vec<u8>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a live object; a NULL output asks only for the length.
    let n = unsafe { f(p, std::ptr::null_mut()) };
    let mut out = vec![0u8; usize::try_from(n).ok().filter(|&n| n > 0)?];
    let mut w = out.as_mut_ptr();
    // SAFETY: `out` has room for the `n` bytes the length call announced.
    let written = unsafe { f(p, &mut w) };
    (written == n).then_some(out)
}

impl X509Ref {
    pub fn from_der(der: &[u8]) -> Option<X509Ref> {
        let mut p = der.as_ptr();
        // SAFETY: `p` points to `der.len()` readable bytes.
        let x = unsafe { c::d2i_X509(std::ptr::null_mut(), &mut p, c_long::try_from(der.len()).ok()?) };
        // SAFETY: a new object with one reference, now ours.
        unsafe { X509Ref::adopt(x) }
    }

    /// A new reference to a live certificate.
    ///
    /// # Safety
    /// `p` is NULL or a live `X509`.
    pub unsafe fn up_ref(p: *mut c::X509) -> Option<X509Ref> {
        // SAFETY: `p` is live when not NULL (the caller's promise).
        if p.is_null() || unsafe { c::X509_up_ref(p) } != 1 {
            return None;
        }
        // SAFETY: the reference just taken.
        unsafe { X509Ref::adopt(p) }
    }

    /// The DER of a live certificate.
    ///
    /// # Safety
    /// `p` is NULL or a live `X509`.
    pub unsafe fn der_of(p: *const c::X509) -> Option<Vec<u8>> {
        i2d(p, c::i2d_X509)
    }

    pub fn der(&self) -> Option<Vec<u8>> {
        // SAFETY: ours, so live.
        unsafe { X509Ref::der_of(self.as_ptr()) }
    }
}

impl PkeyRef {
    /// # Safety
    /// `p` is NULL or a live `EVP_PKEY`.
    pub unsafe fn up_ref(p: *mut c::EVP_PKEY) -> Option<PkeyRef> {
        // SAFETY: `p` is live when not NULL (the caller's promise).
        if p.is_null() || unsafe { c::EVP_PKEY_up_ref(p) } != 1 {
            return None;
        }
        // SAFETY: the reference just taken.
        unsafe { PkeyRef::adopt(p) }
    }

    /// The key as PKCS#8 DER.
    pub fn pkcs8(&self) -> Option<Vec<u8>> {
        // SAFETY: ours, so live.
        let info = unsafe { c::EVP_PKEY2PKCS8(self.as_ptr()) };
        if info.is_null() {
            return None;
        }
        let der = i2d(info, c::i2d_PKCS8_PRIV_KEY_INFO);
        // SAFETY: made just above, owned here.
        unsafe { c::PKCS8_PRIV_KEY_INFO_free(info) };
        der
    }

    pub fn from_der(der: &[u8]) -> Option<PkeyRef> {
        let mut p = der.as_ptr();
        // SAFETY: `p` points to `der.len()` readable bytes.
        let k = unsafe { c::d2i_AutoPrivateKey(std::ptr::null_mut(), &mut p, c_long::try_from(der.len()).ok()?) };
        // SAFETY: a new object, now ours.
        unsafe { PkeyRef::adopt(k) }
    }
}

/// A borrowed stack's elements.
///
/// # Safety
/// `sk` is NULL or a live stack whose elements are of type `T`.
pub unsafe fn stack_items<T>(sk: *const c::OPENSSL_STACK) -> Vec<*mut T> {
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: a live stack (the caller's promise).
    let n = unsafe { c::OPENSSL_sk_num(sk) };
    // SAFETY: indices below the count.
    (0..n.max(0)).map(|i| unsafe { c::OPENSSL_sk_value(sk, i) }.cast()).collect()
}

impl X509Stack {
    /// A stack holding a new reference to each certificate, in order (a new, empty stack for
    /// none).
    pub fn of(certs: &[&X509Ref]) -> Option<X509Stack> {
        // SAFETY: a new stack, owned here.
        let sk = unsafe { X509Stack::adopt(c::OPENSSL_sk_new_null()) }?;
        for x in certs {
            // SAFETY: `x` is live; the stack takes the new reference.
            unsafe {
                c::X509_up_ref(x.as_ptr());
                if c::OPENSSL_sk_push(sk.as_ptr(), x.as_ptr().cast()) == 0 {
                    c::X509_free(x.as_ptr());
                    return None;
                }
            }
        }
        Some(sk)
    }

    /// Certificates made from DER, in a new stack.
    pub fn from_ders<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> Option<X509Stack> {
        let certs: Vec<X509Ref> = ders.into_iter().map(X509Ref::from_der).collect::<Option<_>>()?;
        X509Stack::of(&certs.iter().collect::<Vec<_>>())
    }

    pub fn items(&self) -> Vec<*mut c::X509> {
        // SAFETY: ours, a stack of certificates.
        unsafe { stack_items(self.as_ptr()) }
    }
}

impl NameStack {
    pub fn new() -> Option<NameStack> {
        // SAFETY: a new stack, owned here.
        unsafe { NameStack::adopt(c::OPENSSL_sk_new_null()) }
    }

    /// Appends a copy of `name` unless an equal name is there: false on allocation failure.
    ///
    /// # Safety
    /// `name` is a live `X509_NAME`.
    pub unsafe fn push_unique(&self, name: *const c::X509_NAME) -> bool {
        // SAFETY: ours, a stack of names; `name` is live (the caller's promise).
        unsafe { push_unique_name(self.as_ptr(), name) }
    }

    /// The DER of each name.
    pub fn ders(&self) -> Vec<Vec<u8>> {
        // SAFETY: ours, a stack of names.
        unsafe { stack_items::<c::X509_NAME>(self.as_ptr()) }
            .into_iter()
            .filter_map(|n| i2d(n, c::i2d_X509_NAME))
            .collect()
    }
}

/// Pushes a copy of `name` onto a stack of names unless an equal one is there; false if memory
/// ran out.
///
/// # Safety
/// `stack` is a live `STACK_OF(X509_NAME)` (which owns its elements); `name` is a live name.
pub unsafe fn push_unique_name(stack: *mut c::OPENSSL_STACK, name: *const c::X509_NAME) -> bool {
    // SAFETY: every element is a live name; `name` is live (the caller's promise).
    if unsafe { stack_items::<c::X509_NAME>(stack) }.iter().any(|&n| unsafe { c::X509_NAME_cmp(n, name) } == 0) {
        return true;
    }
    // SAFETY: as above; the stack owns the copy once pushed.
    unsafe {
        let copy = c::X509_NAME_dup(name);
        if copy.is_null() {
            return false;
        }
        if c::OPENSSL_sk_push(stack, copy.cast()) == 0 {
            c::X509_NAME_free(copy);
            return false;
        }
    }
    true
}

impl PlainStack {
    /// A stack of these pointers, in order; `None` if memory ran out.
    pub fn from_ptrs(items: impl IntoIterator<Item = *const c_void>) -> Option<PlainStack> {
        // SAFETY: a new, empty stack, owned here.
        let stack = unsafe { PlainStack::adopt(c::OPENSSL_sk_new_null()) }?;
        for item in items {
            // SAFETY: a live stack; it keeps the pointer without owning it.
            if unsafe { c::OPENSSL_sk_push(stack.as_ptr(), item) } == 0 {
                return None;
            }
        }
        Some(stack)
    }
}
