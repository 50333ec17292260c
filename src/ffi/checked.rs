//! Misuse detection, on with `SESSCACHE_CHECKED=1` in the environment: every `SSL_SESSION *`
//! reference handed to C is counted, so a double `SSL_SESSION_free`, a reference-count underflow
//! and a use of a freed handle are reported on stderr with the entry point's name instead of
//! corrupting memory (freed handles are quarantined: their memory is kept). Off, it costs one
//! relaxed load per entry point.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use super::boundary::SSL_SESSION;
use crate::core::Session;

/// 0: not read yet, 1: off, 2: on.
static STATE: AtomicU8 = AtomicU8::new(0);

/// Whether checked mode is on.
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let on = std::env::var("SESSCACHE_CHECKED").is_ok_and(|v| v == "1");
            STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

thread_local! {
    static ENTRY: Cell<&'static str> = const { Cell::new("?") };
}

/// Notes which entry point is running (called by the boundary macro in checked mode).
pub fn enter(path: &'static str) {
    // "sesscache::ffi::session::SSL_SESSION_free::here" → "SSL_SESSION_free"
    let name = path.rsplit("::").nth(1).unwrap_or(path);
    ENTRY.with(|e| e.set(name));
}

/// Reports a misuse on stderr, naming the entry point.
pub fn report(what: &str) {
    let entry = ENTRY.with(Cell::get);
    eprintln!("sesscache: {entry}: {what}");
}

struct Record {
    /// References C holds.
    c_refs: i64,
    /// Kept alive after C freed its last reference to the last owner.
    quarantined: Option<Arc<Session>>,
}

static REGISTRY: Lazy<Mutex<HashMap<usize, Record>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn registry() -> std::sync::MutexGuard<'static, HashMap<usize, Record>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// C received one more reference to the session at `p`.
pub fn gave(p: *const SSL_SESSION) {
    if !enabled() || p.is_null() {
        return;
    }
    let mut reg = registry();
    let rec = reg.entry(p as usize).or_insert(Record { c_refs: 0, quarantined: None });
    if rec.quarantined.take().is_some() {
        rec.c_refs = 0;
    }
    rec.c_refs += 1;
}

/// C gives one reference back. `strong` is the session's current strong count. Returns
/// whether the release may go ahead; when it would free the memory, the session is kept in
/// quarantine instead (`keep` receives it).
pub fn took_back(p: *const SSL_SESSION, strong: usize, keep: impl FnOnce() -> Arc<Session>) -> bool {
    if !enabled() || p.is_null() {
        return true;
    }
    let mut reg = registry();
    match reg.get_mut(&(p as usize)) {
        Some(rec) if rec.quarantined.is_some() => {
            report("double free of an SSL_SESSION (it was already freed)");
            false
        }
        Some(rec) if rec.c_refs > 0 => {
            rec.c_refs -= 1;
            if rec.c_refs == 0 && strong == 1 {
                rec.quarantined = Some(keep());
                return false;
            }
            true
        }
        _ => {
            report("reference count underflow: an SSL_SESSION freed more often than it was referenced");
            false
        }
    }
}

/// Whether the session at `p` may be used (it was not freed).
pub fn usable(p: *const SSL_SESSION) -> bool {
    if !enabled() || p.is_null() {
        return true;
    }
    let freed = registry().get(&(p as usize)).is_some_and(|r| r.quarantined.is_some());
    if freed {
        report("use of an SSL_SESSION after its last SSL_SESSION_free");
    }
    !freed
}
