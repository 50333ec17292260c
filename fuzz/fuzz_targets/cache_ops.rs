//! Random sequences of cache operations on one cache with a test clock, with the invariants
//! checked after each step: the size bound, the count and order, no expired session resumed,
//! and exactly one remove-hook report for each session that left the cache (and for the
//! argument of an explicit remove, cached or not, as OpenSSL does).
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sesscache::core::cache::{Cache, mode};
use sesscache::core::clock::{Clock, TestClock};
use sesscache::core::resume::{self, Conn, Ems, Hooks, Lookup, Source};
use sesscache::core::session::Session;

#[derive(Default)]
struct Recorder {
    removed: RefCell<HashMap<usize, u32>>,
}

impl Hooks for Recorder {
    fn session_removed(&self, s: &Arc<Session>) {
        *self.removed.borrow_mut().entry(Arc::as_ptr(s) as usize).or_default() += 1;
    }
    fn has_remove_hook(&self) -> bool {
        true
    }
}

fuzz_target!(|data: &[u8]| {
    let clock = TestClock::new(1000);
    let cache = Cache::new(Arc::new(clock.clone()));
    let hooks = Recorder::default();
    let sessions: Vec<Arc<Session>> = (0..16u8)
        .map(|i| {
            let s = Session::new(1000);
            s.set_version(0x0303);
            s.set_id(&[i + 1; 32]);
            s.set_sid_ctx(b"fuzz");
            s
        })
        .collect();
    let conn = Conn { is_server: true, version: 0x0303, sid_ctx: b"fuzz", ..Conn::default() };
    for chunk in data.chunks(3) {
        let mut inserted = false;
        let was_cached: Vec<bool> = sessions.iter().map(|s| s.is_cached()).collect();
        hooks.removed.borrow_mut().clear();
        let [op, a, b] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let s = &sessions[(a % 16) as usize];
        match op % 9 {
            0 | 1 => inserted = resume::add_session(&cache, &hooks, s),
            2 => {
                resume::remove_session(&cache, &hooks, s);
            }
            3 => resume::flush_sessions(&cache, &hooks, i64::from(b) + 1000),
            4 => {
                let found =
                    resume::server_lookup(&cache, &hooks, &conn, Source::SessionId, &[a % 16 + 1; 32], Ems::NotChecked);
                if let Lookup::Resume(r) = found {
                    assert!(!r.expiry().has_passed(clock.now()), "an expired session resumed");
                }
            }
            5 => s.set_time(1000 + i64::from(b)),
            6 => {
                s.set_timeout(i64::from(b));
            }
            7 => {
                cache.set_size(i64::from(b % 6));
            }
            _ => {
                clock.advance(i64::from(b % 32));
                cache.set_mode(mode::SERVER | if b & 1 == 1 { mode::UPDATE_TIME } else { 0 });
            }
        }
        let size = cache.size();
        let cached = cache.sessions_in_order();
        assert_eq!(cached.len(), cache.len(), "the count matches the cache");
        // As in OpenSSL, the bound is enforced when a new entry comes in (a shrink waits for it;
        // re-adding a cached object evicts nothing).
        if size > 0 && inserted {
            assert!(cache.len() as i64 <= (size - 1).max(1), "the bound holds after a new entry");
        }
        {
            let removed = hooks.removed.borrow();
            for (i, s) in sessions.iter().enumerate() {
                let left = was_cached[i] && !s.is_cached();
                let explicit = op % 9 == 2 && (a % 16) as usize == i;
                let reports = removed.get(&(Arc::as_ptr(s) as usize)).copied().unwrap_or(0);
                let expected = u32::from(left || explicit);
                assert_eq!(reports, expected, "remove-hook reports for session {i} after op {}", op % 9);
            }
        }
        for w in cached.windows(2) {
            assert!(w[0].expiry() <= w[1].expiry(), "the order is by expiry");
        }
    }
    // A full flush empties the cache and reports each session it held exactly once.
    let held: Vec<bool> = sessions.iter().map(|s| s.is_cached()).collect();
    hooks.removed.borrow_mut().clear();
    resume::flush_sessions(&cache, &hooks, 0);
    assert_eq!(cache.len(), 0);
    let removed = hooks.removed.borrow();
    for (i, s) in sessions.iter().enumerate() {
        assert!(!s.is_cached());
        let reports = removed.get(&(Arc::as_ptr(s) as usize)).copied().unwrap_or(0);
        assert_eq!(reports, u32::from(held[i]), "the final flush reports each held session once");
    }
});
