//! Random sequences of cache operations on one cache with a test clock, with the invariants
//! checked after each step: the size bound, the count and order, no expired session resumed,
//! and exactly one remove-hook report for each session that left the cache (and for the
//! argument of an explicit remove, cached or not, as OpenSSL does). A model of OpenSSL's list
//! (earliest expiry first, ties in placing order) gives the order, and the order in which
//! evictions and flushes reach the remove hook.
//!
//! Most ids share a shard (see `ids`): with one session per shard, an order bug inside a shard
//! would never show.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use sesscache::core::cache::{Cache, mode, shard_of};
use sesscache::core::clock::{Clock, TestClock};
use sesscache::core::resume::{self, Application, Conn, Ems, Lookup, Source};
use sesscache::core::session::Session;

#[derive(Default)]
struct Recorder {
    /// The sessions reported to the remove hook, in order.
    removed: RefCell<Vec<usize>>,
}

impl Recorder {
    fn counts(&self) -> HashMap<usize, u32> {
        let mut counts = HashMap::new();
        for &p in self.removed.borrow().iter() {
            *counts.entry(p).or_default() += 1;
        }
        counts
    }
}

impl Application for Recorder {
    fn session_removed(&self, s: &Arc<Session>) {
        self.removed.borrow_mut().push(Arc::as_ptr(s) as usize);
    }
    fn has_remove_callback(&self) -> bool {
        true
    }
}

/// The sessions' ids, and one more (the last, in shard 9 too) that no session has. Ten share
/// shard 9 and four shard 50, two are alone; lengths 1 to 32; three ids of shard 9 and two of
/// shard 50 also share their hash (same length and first 8 bytes), so lookups must tell them
/// apart.
fn ids() -> &'static [Vec<u8>] {
    static IDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    IDS.get_or_init(|| {
        // Byte 0 is set last so that the id lands in `shard` (the shard is the low bits of an
        // xor that includes byte 0).
        let in_shard = |mut id: Vec<u8>, shard: usize| {
            id[0] ^= (shard_of(&id) ^ shard) as u8;
            assert_eq!(shard_of(&id), shard);
            id
        };
        let filler = |n: usize, len: usize| (0..len).map(|j| (n * 37 + j * 11) as u8).collect::<Vec<u8>>();
        let with = |mut id: Vec<u8>, at: usize, byte: u8| {
            id[at] = byte;
            id
        };
        let mut ids = Vec::new();
        for (n, len) in [1, 2, 5, 6, 7, 13, 31, 32].into_iter().enumerate() {
            ids.push(in_shard(filler(n, len), 9));
        }
        ids.push(with(ids[7].clone(), 20, 0xee));
        ids.push(with(ids[7].clone(), 12, 0xdd));
        for (n, len) in [3, 16, 32].into_iter().enumerate() {
            ids.push(in_shard(filler(n + 10, len), 50));
        }
        ids.push(with(ids[12].clone(), 9, 0xcc));
        ids.push(in_shard(filler(20, 32), 20));
        ids.push(in_shard(filler(21, 12), 33));
        ids.push(in_shard(filler(22, 32), 9));
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), SESSIONS + 1, "the ids must be distinct");
        assert_eq!(ids[..SESSIONS].iter().filter(|id| shard_of(id) == 9).count(), 10, "ten sessions share shard 9");
        ids
    })
}

const SESSIONS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let ids = ids();
    let clock = TestClock::new(1000);
    let cache = Cache::new(Arc::new(clock.clone()));
    let hooks = Recorder::default();
    let sessions: Vec<Arc<Session>> = ids[..SESSIONS]
        .iter()
        .map(|id| {
            let s = Session::new(1000);
            s.set_version(0x0303);
            s.set_id(id);
            s.set_sid_ctx(b"fuzz");
            s
        })
        .collect();
    let conn = Conn { is_server: true, version: 0x0303, sid_ctx: b"fuzz", ..Conn::default() };
    // The model: the placing number of each cached session (None when not cached).
    let mut placed: Vec<Option<u64>> = vec![None; SESSIONS];
    let mut next_place = 0u64;
    let mut place = || {
        next_place += 1;
        Some(next_place)
    };
    // The model's list: earliest expiry first, ties earliest placed first.
    let order = |placed: &[Option<u64>]| {
        let mut v: Vec<_> =
            placed.iter().enumerate().filter_map(|(i, p)| p.map(|n| (sessions[i].expiry(), n, i))).collect();
        v.sort();
        v.into_iter().map(|(_, _, i)| i).collect::<Vec<usize>>()
    };
    let index = |p: usize| sessions.iter().position(|s| Arc::as_ptr(s) as usize == p).unwrap_or(usize::MAX);
    for chunk in data.chunks(3) {
        let mut inserted = false;
        let was_cached: Vec<bool> = sessions.iter().map(|s| s.is_cached()).collect();
        hooks.removed.borrow_mut().clear();
        let [op, a, b] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let k = (a % 16) as usize;
        let s = &sessions[k];
        let before = order(&placed);
        let size_before = cache.size();
        // What the remove hook must see, in order.
        let mut expected: Vec<usize> = Vec::new();
        match op % 9 {
            0 | 1 => {
                inserted = resume::add_session(&cache, &hooks, s);
                assert_eq!(inserted, placed[k].is_none(), "add returns true just for a session not cached");
                if inserted && size_before > 0 {
                    // Evictions take the front while the count with the new entry is at the bound.
                    let mut n = before.len() + 1;
                    for &v in &before {
                        if (n as i64) < size_before {
                            break;
                        }
                        expected.push(v);
                        n -= 1;
                    }
                }
                placed[k] = place();
            }
            2 => {
                resume::remove_session(&cache, &hooks, s);
                expected.push(k);
            }
            3 => {
                let tm = i64::from(b) + 1000;
                expected = before.iter().copied().filter(|&i| sessions[i].expiry().has_passed(tm)).collect();
                resume::flush_sessions(&cache, &hooks, tm);
            }
            4 => {
                let j = (a % 17) as usize;
                let found = resume::server_lookup(&cache, &hooks, &conn, Source::SessionId, &ids[j], Ems::NotChecked);
                if let Lookup::Resume(r) = &found {
                    assert!(!r.expiry().has_passed(clock.now()), "an expired session resumed");
                    assert!(Arc::ptr_eq(r, &sessions[j]), "the lookup of id {j} resumed another session");
                }
                let cached = j < SESSIONS && placed[j].is_some();
                if cached && sessions[j].expiry().has_passed(clock.now()) {
                    expected.push(j);
                } else {
                    assert_eq!(matches!(found, Lookup::Resume(_)), cached, "the lookup of id {j} (cached: {cached})");
                }
            }
            5 => {
                s.set_time(1000 + i64::from(b));
                if placed[k].is_some() {
                    placed[k] = place();
                }
            }
            6 => {
                s.set_timeout(i64::from(b));
                if placed[k].is_some() {
                    placed[k] = place();
                }
            }
            7 => {
                cache.set_size(i64::from(b % 12));
            }
            _ => {
                clock.advance(i64::from(b % 32));
                cache.set_mode(mode::SERVER | if b & 1 == 1 { mode::UPDATE_TIME } else { 0 });
            }
        }
        let reported: Vec<usize> = hooks.removed.borrow().iter().map(|&p| index(p)).collect();
        assert_eq!(
            reported,
            expected,
            "remove-hook reports after op {} on session {k}: evictions and flushes go earliest expiry first, ties earliest placed",
            op % 9
        );
        for &gone in &expected {
            placed[gone] = None;
        }
        let size = cache.size();
        let cached = cache.sessions_in_order();
        assert_eq!(cached.len(), cache.len(), "the count matches the cache");
        let got: Vec<usize> = cached.iter().map(|s| index(Arc::as_ptr(s) as usize)).collect();
        assert_eq!(got, order(&placed), "the cache's order against the model after op {}", op % 9);
        // As in OpenSSL, the bound is enforced when a new entry comes in (a shrink waits for it;
        // re-adding a cached object evicts nothing).
        if size > 0 && inserted {
            assert!(cache.len() as i64 <= (size - 1).max(1), "the bound holds after a new entry");
        }
        {
            let removed = hooks.counts();
            for (i, s) in sessions.iter().enumerate() {
                let left = was_cached[i] && !s.is_cached();
                let explicit = op % 9 == 2 && k == i;
                let reports = removed.get(&(Arc::as_ptr(s) as usize)).copied().unwrap_or(0);
                let expected = u32::from(left || explicit);
                assert_eq!(reports, expected, "remove-hook reports for session {i} after op {}", op % 9);
                assert_eq!(
                    s.is_cached(),
                    placed[i].is_some(),
                    "session {i} cached or not as the model says after op {}",
                    op % 9
                );
            }
        }
        for w in cached.windows(2) {
            assert!(w[0].expiry() <= w[1].expiry(), "the order is by expiry");
        }
    }
    // A full flush empties the cache and reports each session it held exactly once, in order.
    let held: Vec<bool> = sessions.iter().map(|s| s.is_cached()).collect();
    let expected = order(&placed);
    hooks.removed.borrow_mut().clear();
    resume::flush_sessions(&cache, &hooks, 0);
    assert_eq!(cache.len(), 0);
    let reported: Vec<usize> = hooks.removed.borrow().iter().map(|&p| index(p)).collect();
    assert_eq!(reported, expected, "the final flush goes earliest expiry first, ties earliest placed");
    let removed = hooks.counts();
    for (i, s) in sessions.iter().enumerate() {
        assert!(!s.is_cached());
        let reports = removed.get(&(Arc::as_ptr(s) as usize)).copied().unwrap_or(0);
        assert_eq!(reports, u32::from(held[i]), "the final flush reports each held session once");
    }
});
