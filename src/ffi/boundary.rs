//! The edge between C and Rust: the panic boundary, the opaque C types, and the conversions
//! between C pointers and Rust objects. Every raw-pointer conversion in the crate is here.

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;

use crate::core::Session;

/// Runs `$body`; if it panics, returns `$fail` instead of unwinding into C.
macro_rules! ffi_boundary {
    ($fail:expr, $body:block) => {{
        if $crate::ffi::checked::enabled() {
            fn here() {}
            $crate::ffi::checked::enter(::std::any::type_name_of_val(&here));
        }
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(_) => $fail,
        }
    }};
}
pub(crate) use ffi_boundary;

/// Unwraps an `Option`, returning `$fail` from the enclosing closure on `None` (used for NULL
/// arguments).
macro_rules! try_ref {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return,
        }
    };
    ($e:expr, $fail:expr) => {
        match $e {
            Some(v) => v,
            None => return $fail,
        }
    };
}
pub(crate) use try_ref;

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

/// Borrows the object behind a pointer made by [`into_c`]; `None` for NULL.
///
/// # Safety
/// `p` is NULL or came from `into_c::<T, C>` and still holds a reference.
pub unsafe fn borrow<T, C>(p: *const C) -> Option<Borrowed<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees `p` is `Arc::into_raw` of a live `Arc<T>`; ManuallyDrop
    // keeps the caller's reference untouched.
    Some(Borrowed(ManuallyDrop::new(unsafe { Arc::from_raw(p.cast::<T>()) })))
}

/// Hands a reference to C.
pub fn into_c<T, C>(a: Arc<T>) -> *mut C {
    Arc::into_raw(a).cast_mut().cast::<C>()
}

/// Takes back the reference C holds (`*_free`).
///
/// # Safety
/// As for [`borrow`]; the caller gives up its reference.
pub unsafe fn take<T, C>(p: *const C) -> Option<Arc<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: see `borrow`; ownership of one strong count moves to the returned Arc.
    Some(unsafe { Arc::from_raw(p.cast::<T>()) })
}

/// The C pointer of an object without changing its count (for callback arguments).
pub fn as_c<T, C>(a: &Arc<T>) -> *mut C {
    Arc::as_ptr(a).cast_mut().cast::<C>()
}

/// The C handle of an object C holds (its `Arc`'s address), without changing its count.
pub fn handle<T, C>(obj: &T) -> *mut C {
    (obj as *const T).cast_mut().cast::<C>()
}

/// Borrows an `SSL_SESSION *`.
///
/// # Safety
/// `p` is NULL or a live session pointer.
pub unsafe fn session(p: *const SSL_SESSION) -> Option<Borrowed<Session>> {
    if !super::checked::usable(p) {
        return None;
    }
    // SAFETY: forwarded to the caller.
    unsafe { borrow::<Session, SSL_SESSION>(p) }
}

/// Hands C a reference to a session (counted in checked mode).
pub fn session_to_c(s: Arc<Session>) -> *mut SSL_SESSION {
    let p = into_c::<Session, SSL_SESSION>(s);
    super::checked::gave(p);
    p
}

/// Takes back one reference C held; `None` when checked mode refused it (a double free or an
/// underflow, reported) or kept the session in quarantine.
///
/// # Safety
/// As for [`take`]; in checked mode `p` may also be a handle C already gave back.
pub unsafe fn session_from_c(p: *const SSL_SESSION) -> Option<Arc<Session>> {
    if p.is_null() {
        return None;
    }
    if super::checked::enabled() {
        // SAFETY: a quarantined or registered handle is still live memory.
        let strong = match unsafe { borrow::<Session, SSL_SESSION>(p) } {
            Some(b) => Arc::strong_count(&b),
            None => return None,
        };
        // SAFETY: forwarded; `take` runs at most once, here or below.
        let proceed =
            super::checked::took_back(p, strong, || unsafe { take::<Session, SSL_SESSION>(p) }.expect("non-NULL"));
        if !proceed {
            return None;
        }
    }
    // SAFETY: forwarded to the caller.
    unsafe { take::<Session, SSL_SESSION>(p) }
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
