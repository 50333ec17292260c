//! The edge between C and Rust: the panic boundary, the opaque C types, and the conversions
//! between C pointers and Rust objects. Every raw-pointer conversion in the crate is here.

use std::ffi::{CStr, c_char};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;

use crate::core::Session;
use crate::state::ctx::Ctx;
use crate::state::ssl::Ssl;

/// The panic boundary of every entry point: runs `$body`, a block evaluating to `Option<T>`,
/// and returns its value; `None` (so `?` in the body) and a panic return `$fail` instead,
/// OpenSSL's failure value (`()` for a `void` function), written once per function.
///
/// The form `ffi_boundary!(FAIL, |a, b: Option, id: bytes(id_len), file: c_str| body)` first
/// converts the named pointer arguments, in order, each shadowing its raw pointer:
/// - `a`: an `SSL *`, `SSL_CTX *` or `SSL_SESSION *` as a [`Borrowed`] object; NULL fails;
/// - `b: Option`: the same as an `Option` (NULL is `None`);
/// - `id: bytes(id_len)`: the `id_len` bytes at `id` as a slice; NULL with a length fails;
/// - `file: c_str`: a NUL-terminated UTF-8 string as `&str`; NULL or bad UTF-8 fails.
///
/// That form is for `unsafe extern "C" fn`s only, whose `# Safety` section promises, for each
/// named argument, what its conversion needs: NULL or a live object of its type; NULL or
/// `id_len` readable bytes; NULL or a NUL-terminated string.
macro_rules! ffi_boundary {
    (@arg $arg:ident) => {
        $crate::ffi::boundary::ffi_boundary!(@arg $arg Option)?
    };
    (@arg $arg:ident Option) => {{
        let p = $arg;
        // SAFETY: the entry point's `# Safety` promises `p` is NULL or live (see above).
        unsafe { $crate::ffi::boundary::borrow(p) }
    }};
    (@arg $arg:ident bytes($len:expr)) => {{
        let (p, len) = ($arg, $len as usize);
        // SAFETY: the entry point's `# Safety` promises `len` readable bytes at a non-NULL `p`.
        unsafe { $crate::ffi::boundary::bytes(p, len) }?
    }};
    (@arg $arg:ident c_str) => {{
        let p = $arg;
        // SAFETY: the entry point's `# Safety` promises `p` is NULL or NUL-terminated.
        unsafe { $crate::ffi::boundary::c_str(p) }?
    }};
    ($fail:expr, |$($arg:ident $(: $kind:ident $(($len:expr))?)?),* $(,)?| $body:expr) => {
        $crate::ffi::boundary::ffi_boundary!($fail, {
            $(let $arg = $crate::ffi::boundary::ffi_boundary!(@arg $arg $($kind $(($len))?)?);)*
            $body
        })
    };
    ($fail:expr, $body:block) => {{
        if $crate::ffi::checked::enabled() {
            fn here() {}
            $crate::ffi::checked::enter(::std::any::type_name_of_val(&here));
        }
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| -> ::std::option::Option<_> { $body })) {
            Ok(Some(v)) => v,
            Ok(None) | Err(_) => $fail,
        }
    }};
}
pub(crate) use ffi_boundary;

/// `SSL_CTX`: an `Arc<Ctx>` seen from C.
#[allow(non_camel_case_types)]
pub struct SSL_CTX {
    _opaque: [u8; 0],
}

/// `SSL`: an `Arc<Ssl>` seen from C.
#[allow(non_camel_case_types)]
pub struct SSL {
    _opaque: [u8; 0],
}

/// `SSL_SESSION`: an `Arc<Session>` seen from C; its strong count is the reference count.
#[allow(non_camel_case_types)]
pub struct SSL_SESSION {
    _opaque: [u8; 0],
}

/// `SSL_METHOD`: a pointer to one of three static method descriptions.
#[allow(non_camel_case_types)]
pub struct SSL_METHOD {
    _opaque: [u8; 0],
}

/// `CRYPTO_EX_DATA`: the ex_data of one object, as passed to ex_data callbacks.
#[allow(non_camel_case_types)]
pub struct CRYPTO_EX_DATA {
    _opaque: [u8; 0],
}

/// An `Arc<T>` whose reference belongs to C: usable for the duration of the call, never
/// dropped here.
pub struct Borrowed<T>(ManuallyDrop<Arc<T>>);

impl<T> Deref for Borrowed<T> {
    type Target = Arc<T>;
    fn deref(&self) -> &Arc<T> {
        &self.0
    }
}

/// An opaque C type standing for a Rust object that C holds in an `Arc`: the one conversion
/// between its pointers and the object.
///
/// # Safety
/// A pointer of this type is *live* when it is `Arc::into_raw` of a `Self::Object` made by
/// [`ArcHandle::give`] (or [`ArcHandle::handle`] of an object C holds) and still holds a
/// reference. Implementors keep every method consistent with that; callers of the `unsafe`
/// methods pass NULL or a live pointer, and to `take` one whose reference they give up.
pub unsafe trait ArcHandle: Sized {
    type Object;

    /// Hands C a new reference.
    fn give(obj: Arc<Self::Object>) -> *mut Self {
        Arc::into_raw(obj).cast_mut().cast()
    }

    /// The pointer of an object C holds (its `Arc`'s address), without a new reference.
    fn handle(obj: &Self::Object) -> *mut Self {
        (obj as *const Self::Object).cast_mut().cast()
    }

    /// Borrows the object for the call; `None` for NULL.
    ///
    /// # Safety
    /// `p` is NULL or live (see the trait).
    unsafe fn borrow(p: *const Self) -> Option<Borrowed<Self::Object>> {
        // SAFETY: the caller's promise, as this method states it.
        unsafe { borrow_arc(p) }
    }

    /// Takes back one reference C holds; `None` for NULL.
    ///
    /// # Safety
    /// `p` is NULL or live (see the trait); the caller gives up its reference.
    unsafe fn take(p: *const Self) -> Option<Arc<Self::Object>> {
        // SAFETY: the caller's promise, as this method states it.
        unsafe { take_arc(p) }
    }
}

/// # Safety
/// `p` is NULL or `Arc::into_raw` of a `C::Object` that still holds a reference.
unsafe fn borrow_arc<C: ArcHandle>(p: *const C) -> Option<Borrowed<C::Object>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is `Arc::into_raw` of a live `Arc` (the caller's promise); ManuallyDrop
    // keeps that reference untouched.
    Some(Borrowed(ManuallyDrop::new(unsafe { Arc::from_raw(p.cast::<C::Object>()) })))
}

/// # Safety
/// As for [`borrow_arc`]; the caller gives up its reference.
unsafe fn take_arc<C: ArcHandle>(p: *const C) -> Option<Arc<C::Object>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: as in `borrow_arc`; the caller's strong count moves to the returned Arc.
    Some(unsafe { Arc::from_raw(p.cast::<C::Object>()) })
}

// SAFETY: `SSL_CTX_new` makes every `SSL_CTX *` with `give`.
unsafe impl ArcHandle for SSL_CTX {
    type Object = Ctx;
}

// SAFETY: `SSL_new` makes every `SSL *` with `give`.
unsafe impl ArcHandle for SSL {
    type Object = Ssl;
}

// SAFETY: every `SSL_SESSION *` is made by `give`; checked mode only adds refusals and keeps
// quarantined sessions' memory alive.
unsafe impl ArcHandle for SSL_SESSION {
    type Object = Session;

    /// Hands C a reference (counted in checked mode).
    fn give(obj: Arc<Session>) -> *mut Self {
        let p = Arc::into_raw(obj).cast_mut().cast();
        super::checked::gave(p);
        p
    }

    /// As the trait's; `None` also when checked mode finds the session freed (reported).
    unsafe fn borrow(p: *const Self) -> Option<Borrowed<Session>> {
        if !super::checked::usable(p) {
            return None;
        }
        // SAFETY: the caller's promise, as the trait states it.
        unsafe { borrow_arc(p) }
    }

    /// As the trait's; `None` also when checked mode refused it (a double free or an
    /// underflow, reported) or kept the session in quarantine. In checked mode `p` may also be
    /// a handle C already gave back.
    unsafe fn take(p: *const Self) -> Option<Arc<Session>> {
        if p.is_null() {
            return None;
        }
        if super::checked::enabled() {
            // SAFETY: a quarantined or registered handle is still live memory.
            let strong = Arc::strong_count(&*unsafe { borrow_arc(p) }?);
            // SAFETY: the caller gives up its reference; `take_arc` runs at most once, here
            // or below.
            let keep = || unsafe { take_arc(p) }.expect("non-NULL");
            if !super::checked::took_back(p, strong, keep) {
                return None;
            }
        }
        // SAFETY: the caller gives up its reference (the trait's contract).
        unsafe { take_arc(p) }
    }
}

/// Borrows the object behind a C pointer; `None` for NULL (and for a freed session in checked
/// mode).
///
/// # Safety
/// `p` is NULL or live (see [`ArcHandle`]).
pub unsafe fn borrow<C: ArcHandle>(p: *const C) -> Option<Borrowed<C::Object>> {
    // SAFETY: the caller's promise, as stated above.
    unsafe { C::borrow(p) }
}

/// A byte slice from a C pointer and length; an empty slice for length 0 (even with NULL).
///
/// # Safety
/// When `len > 0`, `p` is NULL or points to `len` readable bytes.
pub unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees `len` readable bytes at `p`.
    Some(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A C string as UTF-8; `None` for NULL or bad UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub unsafe fn c_str<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

/// Writes through an optional out-pointer.
///
/// # Safety
/// `p` is NULL or valid for a write of `T`.
pub unsafe fn write_out<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-NULL and valid per the caller.
        unsafe { p.write(v) };
    }
}
