//! ex_data: application slots on `SSL_CTX` and `SSL`, with OpenSSL's index registry (the
//! drop-in uses libcrypto's registry and slots instead, as OpenSSL's libssl does).
#![cfg_attr(feature = "libcrypto", allow(dead_code))]

use libc::{c_int, c_long, c_void};
use once_cell::sync::Lazy;
use parking_lot::Mutex;

use super::boundary::{CRYPTO_EX_DATA, SSL, SSL_CTX, ffi_boundary};
use crate::state::ex_data::ExData;

/// `CRYPTO_EX_new` (exported signatures spell the type out so the header matches OpenSSL's).
#[allow(non_camel_case_types)]
pub type CRYPTO_EX_new = unsafe extern "C" fn(
    parent: *mut c_void,
    ptr: *mut c_void,
    ad: *mut CRYPTO_EX_DATA,
    idx: c_int,
    argl: c_long,
    argp: *mut c_void,
);
/// `CRYPTO_EX_free`.
#[allow(non_camel_case_types)]
pub type CRYPTO_EX_free = CRYPTO_EX_new;

#[derive(Clone, Copy)]
struct Index {
    argl: c_long,
    argp: usize,
    new_func: Option<CRYPTO_EX_new>,
    free_func: Option<CRYPTO_EX_free>,
}

/// Which kind of object an index belongs to.
#[derive(Clone, Copy)]
pub enum Class {
    Ssl = 0,
    SslCtx = 1,
}

/// Index 0 of every class is reserved for the `*_app_data` macros, as in OpenSSL.
static REGISTRY: Lazy<[Mutex<Vec<Option<Index>>>; 2]> = Lazy::new(|| [Mutex::new(vec![None]), Mutex::new(vec![None])]);

fn register(
    class: Class,
    argl: c_long,
    argp: *mut c_void,
    new_func: Option<CRYPTO_EX_new>,
    free_func: Option<CRYPTO_EX_free>,
) -> c_int {
    let mut indexes = REGISTRY[class as usize].lock();
    indexes.push(Some(Index { argl, argp: argp as usize, new_func, free_func }));
    (indexes.len() - 1) as c_int
}

fn registered(class: Class) -> Vec<(c_int, Index)> {
    REGISTRY[class as usize].lock().iter().enumerate().filter_map(|(i, ix)| ix.map(|ix| (i as c_int, ix))).collect()
}

/// The `CRYPTO_EX_DATA *` handed to ex_data callbacks: the object's slots.
fn ad(slots: &ExData) -> *mut CRYPTO_EX_DATA {
    (slots as *const ExData).cast_mut().cast()
}

/// Calls each index's `new_func` for a new object (`CRYPTO_new_ex_data`): the drop-in lets
/// libcrypto do it, with the callbacks registered there.
///
/// # Safety
/// `parent` is the object `slots` belong to.
#[cfg(feature = "libcrypto")]
pub unsafe fn run_new_funcs(slots: &ExData, class: Class, parent: *mut c_void) {
    // SAFETY: our object and its CRYPTO_EX_DATA, as libcrypto's contract wants them.
    unsafe { crate::sys::libcrypto::CRYPTO_new_ex_data(libcrypto_class(class), parent, slots.as_ptr()) };
}

#[cfg(feature = "libcrypto")]
fn libcrypto_class(class: Class) -> c_int {
    match class {
        Class::Ssl => crate::sys::libcrypto::CRYPTO_EX_INDEX_SSL,
        Class::SslCtx => crate::sys::libcrypto::CRYPTO_EX_INDEX_SSL_CTX,
    }
}

/// Calls each index's `free_func` with the slot's value, in index order
/// (`CRYPTO_free_ex_data`), through libcrypto for the drop-in.
///
/// # Safety
/// `parent` is the object `slots` belong to.
#[cfg(feature = "libcrypto")]
pub unsafe fn run_free_funcs(slots: &ExData, class: Class, parent: *mut c_void) {
    // SAFETY: as in `run_new_funcs`.
    unsafe { crate::sys::libcrypto::CRYPTO_free_ex_data(libcrypto_class(class), parent, slots.as_ptr()) };
}

/// Calls each index's `new_func` for a new object (`CRYPTO_new_ex_data`).
///
/// # Safety
/// `parent` is the object `slots` belong to.
#[cfg(not(feature = "libcrypto"))]
pub unsafe fn run_new_funcs(slots: &ExData, class: Class, parent: *mut c_void) {
    for (idx, ix) in registered(class) {
        if let Some(f) = ix.new_func {
            // SAFETY: the application registered `f` with this signature.
            unsafe { f(parent, std::ptr::null_mut(), ad(slots), idx, ix.argl, ix.argp as *mut c_void) };
        }
    }
}

/// Calls each index's `free_func` with the slot's value, in index order
/// (`CRYPTO_free_ex_data`), then empties the slots.
///
/// # Safety
/// `parent` is the object `slots` belong to.
#[cfg(not(feature = "libcrypto"))]
pub unsafe fn run_free_funcs(slots: &ExData, class: Class, parent: *mut c_void) {
    for (idx, ix) in registered(class) {
        if let Some(f) = ix.free_func {
            let value = slot(slots, idx);
            // SAFETY: the application registered `f` with this signature.
            unsafe { f(parent, value, ad(slots), idx, ix.argl, ix.argp as *mut c_void) };
        }
    }
    slots.clear();
}

/// The pointer stored at `idx`; NULL for an unset or negative index.
fn slot(slots: &ExData, idx: c_int) -> *mut c_void {
    usize::try_from(idx).map_or(0, |i| slots.get(i)) as *mut c_void
}

/// Stores `value` at `idx`: 1, or 0 for a negative index.
fn set_slot(slots: &ExData, idx: c_int, value: *mut c_void) -> c_int {
    match usize::try_from(idx) {
        Ok(i) => slots.set(i, value as usize) as c_int,
        Err(_) => 0,
    }
}

/// Reserves an ex_data index for `SSL_CTX` objects; index 0 is never returned.
///
/// # Safety
/// The callbacks, when set, must have the declared signatures.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_ex_new_index(
    argl: c_long,
    argp: *mut c_void,
    new_func: Option<
        unsafe extern "C" fn(
            parent: *mut c_void,
            ptr: *mut c_void,
            ad: *mut CRYPTO_EX_DATA,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ),
    >,
    dup_func: Option<
        unsafe extern "C" fn(
            to: *mut CRYPTO_EX_DATA,
            from: *const CRYPTO_EX_DATA,
            from_d: *mut c_void,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ) -> c_int,
    >,
    free_func: Option<
        unsafe extern "C" fn(
            parent: *mut c_void,
            ptr: *mut c_void,
            ad: *mut CRYPTO_EX_DATA,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ),
    >,
) -> c_int {
    ffi_boundary!(-1, {
        // Contexts are never duplicated here, so `dup_func` is never called.
        let _ = dup_func;
        Some(register(Class::SslCtx, argl, argp, new_func, free_func))
    })
}

/// Reserves an ex_data index for `SSL` objects; index 0 is never returned.
///
/// # Safety
/// The callbacks, when set, must have the declared signatures.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_ex_new_index(
    argl: c_long,
    argp: *mut c_void,
    new_func: Option<
        unsafe extern "C" fn(
            parent: *mut c_void,
            ptr: *mut c_void,
            ad: *mut CRYPTO_EX_DATA,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ),
    >,
    dup_func: Option<
        unsafe extern "C" fn(
            to: *mut CRYPTO_EX_DATA,
            from: *const CRYPTO_EX_DATA,
            from_d: *mut c_void,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ) -> c_int,
    >,
    free_func: Option<
        unsafe extern "C" fn(
            parent: *mut c_void,
            ptr: *mut c_void,
            ad: *mut CRYPTO_EX_DATA,
            idx: c_int,
            argl: c_long,
            argp: *mut c_void,
        ),
    >,
) -> c_int {
    ffi_boundary!(-1, {
        let _ = dup_func;
        Some(register(Class::Ssl, argl, argp, new_func, free_func))
    })
}

/// Stores `data` in slot `idx`: 1, or 0 for a NULL ctx or a negative index.
///
/// # Safety
/// `ctx` is NULL or a live `SSL_CTX`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_ex_data(ctx: *mut SSL_CTX, idx: c_int, data: *mut c_void) -> c_int {
    ffi_boundary!(0, |ctx| Some(set_slot(&ctx.ex_data, idx, data)))
}

/// The value in slot `idx`, or NULL (unset slot, bad index, NULL ctx).
///
/// # Safety
/// `ctx` is NULL or a live `SSL_CTX`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get_ex_data(ctx: *const SSL_CTX, idx: c_int) -> *mut c_void {
    ffi_boundary!(std::ptr::null_mut(), |ctx| Some(slot(&ctx.ex_data, idx)))
}

/// Stores `data` in slot `idx`: 1, or 0 for a NULL ssl or a negative index.
///
/// # Safety
/// `ssl` is NULL or a live `SSL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_ex_data(ssl: *mut SSL, idx: c_int, data: *mut c_void) -> c_int {
    ffi_boundary!(0, |ssl| Some(set_slot(&ssl.ex_data, idx, data)))
}

/// The value in slot `idx`, or NULL (unset slot, bad index, NULL ssl).
///
/// # Safety
/// `ssl` is NULL or a live `SSL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_ex_data(ssl: *const SSL, idx: c_int) -> *mut c_void {
    ffi_boundary!(std::ptr::null_mut(), |ssl| Some(slot(&ssl.ex_data, idx)))
}
