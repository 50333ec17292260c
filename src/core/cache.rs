//! The internal session cache of one `SSL_CTX`.
//!
//! Sessions are spread over shards by id so that lookups from many threads do not contend.
//! Every shard keeps its sessions in expiry order, tagged with a cache-wide insertion number, so
//! the cache as a whole has OpenSSL's single list order: earliest expiry first, and among equal
//! expiries the one placed earliest. Eviction and flush take from that global front.
//!
//! Operations that remove sessions return them; nothing here calls out to the application.

use parking_lot::RwLock;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use super::clock::Clock;
use super::session::{Expiry, MAX_ID_LEN, Session, SessionId};
use super::shard::{Place, Shard, place_of};

/// `SSL_SESS_CACHE_*` bits.
pub mod mode {
    pub const OFF: u32 = 0x0000;
    pub const CLIENT: u32 = 0x0001;
    pub const SERVER: u32 = 0x0002;
    pub const BOTH: u32 = CLIENT | SERVER;
    pub const NO_AUTO_CLEAR: u32 = 0x0080;
    pub const NO_INTERNAL_LOOKUP: u32 = 0x0100;
    pub const NO_INTERNAL_STORE: u32 = 0x0200;
    pub const NO_INTERNAL: u32 = NO_INTERNAL_LOOKUP | NO_INTERNAL_STORE;
    pub const UPDATE_TIME: u32 = 0x0400;
}

/// `SSL_SESSION_CACHE_MAX_SIZE_DEFAULT`.
pub const DEFAULT_CACHE_SIZE: i64 = 1024 * 20;
/// The timeout of every TLS method (`tls1_default_timeout`): two hours.
pub const DEFAULT_TIMEOUT: i64 = 60 * 60 * 2;

const SHARDS: usize = 64;

/// The cache key: protocol version and session id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    version: i32,
    id: SessionId,
}

impl Key {
    pub fn new(version: i32, id: SessionId) -> Key {
        Key { version, id }
    }
    /// A session without an id: OpenSSL cannot remove it by key.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub fn hash_value(&self) -> u64 {
        hash_of(self.version, self.id.as_slice())
    }

    fn shard(&self) -> usize {
        shard_of(self.id.as_slice())
    }

    /// Whether this is the key of `version` and `id`.
    pub fn is(&self, version: i32, id: &[u8]) -> bool {
        self.version == version && self.id.as_slice() == id
    }
}

/// The hash of a key given by parts (lookups hash the caller's bytes without building a
/// `Key`): ids are random, so their first bytes spread the keys well enough; one multiply
/// spreads those bits over the word for the table's choice of bucket.
pub fn hash_of(version: i32, id: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = id.len().min(8);
    word[..n].copy_from_slice(&id[..n]);
    let v = u64::from_le_bytes(word) ^ ((version as u64) << 40) ^ id.len() as u64;
    v.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn shard_of(id: &[u8]) -> usize {
    let byte = |i: usize| id.get(i).copied().unwrap_or(0);
    (byte(0) ^ byte(5) ^ byte(31)) as usize % SHARDS
}

/// Where a cache keeps a session: its shard and slot. A session's holder record keeps it so
/// that re-sorting finds the slot without a key (the session's id may have changed since).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    shard: u32,
    slot: u32,
}

/// The twelve counters of `SSL_CTX_sess_*` except `number`, as 64-bit atomics.
#[derive(Debug, Default)]
pub struct Stats {
    pub connect: AtomicU64,
    pub connect_good: AtomicU64,
    pub connect_renegotiate: AtomicU64,
    pub accept: AtomicU64,
    pub accept_good: AtomicU64,
    pub accept_renegotiate: AtomicU64,
    pub hits: AtomicU64,
    pub cb_hits: AtomicU64,
    pub misses: AtomicU64,
    pub timeouts: AtomicU64,
    pub cache_full: AtomicU64,
}

impl Stats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// What `add` did.
#[derive(Debug, Default)]
pub struct Added {
    /// OpenSSL's return value: true for a new entry, false when this object was already cached.
    pub inserted: bool,
    /// Sessions evicted to respect the size bound, in eviction order; the remove hook is owed
    /// to each of them.
    pub evicted: Vec<Arc<Session>>,
    /// A different object with the same key that the new one replaced (no remove hook).
    pub replaced: Option<Arc<Session>>,
}

/// What `remove` did.
#[derive(Debug)]
pub enum Removed {
    /// The session has an empty id: nothing happens, no remove hook.
    Ignored,
    /// The session was marked not resumable; `entry` is the cached object with its key, if any.
    /// The remove hook is owed to the argument either way.
    Done { entry: Option<Arc<Session>> },
}

/// A shard on cache lines of its own, so that threads working on different shards do not
/// slow each other down.
#[repr(align(128))]
struct Padded(RwLock<Shard>);

pub(crate) struct CacheShared {
    shards: Box<[Padded]>,
    count: AtomicUsize,
    next_place: AtomicU64,
    weak_self: Weak<CacheShared>,
}

/// The internal cache of one `SSL_CTX`, with its settings and counters.
#[derive(Debug)]
pub struct Cache {
    shared: Arc<CacheShared>,
    mode: AtomicU32,
    size: AtomicI64,
    timeout: AtomicI64,
    pub stats: Stats,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for CacheShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CacheShared({} sessions)", self.count.load(Ordering::Relaxed))
    }
}

impl CacheShared {
    fn shard(&self, key: &Key) -> &RwLock<Shard> {
        &self.shards[key.shard()].0
    }

    fn take_place(&self, expiry: Expiry) -> Place {
        place_of(expiry, self.next_place.fetch_add(1, Ordering::Relaxed))
    }

    /// Re-sorts `session`, kept at `at`, after its time or timeout changed.
    pub(crate) fn reposition(&self, session: &Session, at: Handle) {
        let expiry = session.expiry();
        let Some(shard) = self.shards.get(at.shard as usize) else { return };
        let mut shard = shard.0.write();
        if shard.holds_at(at.slot, session) && shard.is_placed_at(at.slot) {
            let place = self.take_place(expiry);
            shard.place_at(at.slot, place);
        }
    }

    /// Takes out the session that expires first across all shards, marked not resumable.
    fn pop_earliest(&self) -> Option<Arc<Session>> {
        loop {
            let mut best: Option<(Place, usize)> = None;
            for (i, shard) in self.shards.iter().enumerate() {
                if let Some(place) = shard.0.read().first_place()
                    && best.is_none_or(|(b, _)| place < b)
                {
                    best = Some((place, i));
                }
            }
            let (place, i) = best?;
            let mut shard = self.shards[i].0.write();
            // Another thread may have changed this shard since the scan: look again.
            if shard.first_place() != Some(place) {
                continue;
            }
            let (_, session) = shard.pop_first()?;
            self.count.fetch_sub(1, Ordering::Relaxed);
            drop(shard);
            session.leave_cache(&self.weak_self);
            return Some(session);
        }
    }
}

impl Cache {
    pub fn new(clock: Arc<dyn Clock>) -> Cache {
        let shared = Arc::new_cyclic(|weak| CacheShared {
            shards: (0..SHARDS).map(|_| Padded(RwLock::new(Shard::default()))).collect(),
            count: AtomicUsize::new(0),
            next_place: AtomicU64::new(0),
            weak_self: weak.clone(),
        });
        Cache {
            shared,
            mode: AtomicU32::new(mode::SERVER),
            size: AtomicI64::new(DEFAULT_CACHE_SIZE),
            timeout: AtomicI64::new(DEFAULT_TIMEOUT),
            stats: Stats::default(),
            clock,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn mode(&self) -> u32 {
        self.mode.load(Ordering::Relaxed)
    }

    /// Stores the mode unvalidated; returns the previous one.
    pub fn set_mode(&self, mode: u32) -> u32 {
        self.mode.swap(mode, Ordering::Relaxed)
    }

    /// The size bound; 0 means unlimited.
    pub fn size(&self) -> i64 {
        self.size.load(Ordering::Relaxed)
    }

    /// Returns the previous size; a negative size is refused (returns 0, keeps the old size).
    pub fn set_size(&self, size: i64) -> i64 {
        if size < 0 {
            return 0;
        }
        self.size.swap(size, Ordering::Relaxed)
    }

    /// The `SSL_CTX` timeout; 0 means "the method default" for new sessions.
    pub fn timeout(&self) -> i64 {
        self.timeout.load(Ordering::Relaxed)
    }

    /// Stores any value, negative included; returns the previous one.
    pub fn set_timeout(&self, timeout: i64) -> i64 {
        self.timeout.swap(timeout, Ordering::Relaxed)
    }

    /// The timeout a newly negotiated session gets.
    pub fn session_timeout(&self) -> i64 {
        match self.timeout() {
            0 => DEFAULT_TIMEOUT,
            t => t,
        }
    }

    /// `SSL_CTX_sess_number`.
    pub fn len(&self) -> usize {
        self.shared.count.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cached object with this key, with a new reference.
    pub fn get(&self, version: i32, id: &[u8]) -> Option<Arc<Session>> {
        if id.len() > MAX_ID_LEN {
            return None;
        }
        let shard = self.shared.shards[shard_of(id)].0.read();
        shard.find_parts(version, id).and_then(|i| shard.session_at(i)).cloned()
    }

    /// `SSL_has_matching_session_id`.
    pub fn contains(&self, version: i32, id: &[u8]) -> bool {
        id.len() <= MAX_ID_LEN && self.shared.shards[shard_of(id)].0.read().find_parts(version, id).is_some()
    }

    /// `SSL_CTX_add_session`, without calling anybody: evicted sessions are returned.
    pub fn add(&self, session: &Arc<Session>) -> Added {
        if self.mode() & mode::UPDATE_TIME != 0 {
            session.set_time(self.now());
        }
        let (key, expiry) = {
            let f = session.read();
            (f.key(), f.expiry())
        };
        let shared = &self.shared;
        let size = self.size();
        let mut added = Added::default();
        let shard_index = key.shard();
        let (placed, slot) = {
            let mut shard = shared.shards[shard_index].0.write();
            let (slot, count) = match shard.find(&key) {
                Some(i) if shard.session_at(i).is_some_and(|s| Arc::ptr_eq(s, session)) => (i, None),
                Some(i) => {
                    added.replaced = shard.remove_at(i);
                    (shard.insert(key, Arc::clone(session)), Some(shared.count.load(Ordering::Relaxed)))
                }
                None => {
                    let n = shared.count.fetch_add(1, Ordering::Relaxed) + 1;
                    (shard.insert(key, Arc::clone(session)), Some(n))
                }
            };
            added.inserted = count.is_some();
            // The common case places the session at once; when the add must evict first, the
            // new entry stays out of the order meanwhile so that it never evicts itself.
            let must_evict = count.is_some_and(|n| size > 0 && n as u64 >= size as u64);
            if !must_evict {
                let place = shared.take_place(expiry);
                shard.place_at(slot, place);
            }
            (!must_evict, slot)
        };
        if let Some(old) = &added.replaced {
            old.remove_holder(&shared.weak_self);
        }
        if added.inserted {
            session.add_holder(shared.weak_self.clone(), Handle { shard: shard_index as u32, slot });
        }
        if placed {
            return added;
        }
        // The count includes the new entry, hence OpenSSL's `size - 1` once full.
        while size > 0 && shared.count.load(Ordering::Relaxed) as u64 >= size as u64 {
            let Some(victim) = shared.pop_earliest() else {
                break;
            };
            Stats::bump(&self.stats.cache_full);
            added.evicted.push(victim);
        }
        let mut shard = shared.shards[shard_index].0.write();
        if shard.holds_at(slot, session) && !shard.is_placed_at(slot) {
            let place = shared.take_place(session.expiry());
            shard.place_at(slot, place);
        }
        added
    }

    /// `SSL_CTX_remove_session`, without calling anybody. Looks up by key, so it may unlink a
    /// different object with the same id; the argument is the one marked not resumable.
    pub fn remove(&self, session: &Arc<Session>) -> Removed {
        let key = session.key();
        if key.is_empty() {
            return Removed::Ignored;
        }
        let entry = {
            let mut shard = self.shared.shard(&key).write();
            let entry = shard.remove(&key);
            if entry.is_some() {
                self.shared.count.fetch_sub(1, Ordering::Relaxed);
            }
            entry
        };
        match &entry {
            Some(e) if Arc::ptr_eq(e, session) => e.leave_cache(&self.shared.weak_self),
            Some(e) => {
                e.remove_holder(&self.shared.weak_self);
                session.mark_not_resumable();
            }
            None => session.mark_not_resumable(),
        }
        Removed::Done { entry }
    }

    /// `SSL_CTX_flush_sessions(tm)`: removes every session expired at `tm` (all when `tm` is 0),
    /// marks each not resumable and returns them earliest expiry first.
    pub fn flush(&self, tm: i64) -> Vec<Arc<Session>> {
        let mut flushed: Vec<(Place, Arc<Session>)> = Vec::new();
        for shard in self.shared.shards.iter() {
            let before = flushed.len();
            shard.0.write().pop_expired(tm, &mut flushed);
            self.shared.count.fetch_sub(flushed.len() - before, Ordering::Relaxed);
        }
        flushed.sort_by_key(|(place, _)| *place);
        flushed
            .into_iter()
            .map(|(_, s)| {
                s.leave_cache(&self.shared.weak_self);
                s
            })
            .collect()
    }

    /// The cached sessions, earliest expiry first (for tests and diagnostics).
    pub fn sessions_in_order(&self) -> Vec<Arc<Session>> {
        let mut all: Vec<(Place, Arc<Session>)> = Vec::new();
        for shard in self.shared.shards.iter() {
            all.extend(shard.0.read().ordered());
        }
        all.sort_by_key(|(p, _)| *p);
        all.into_iter().map(|(_, s)| s).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::TestClock;

    fn cache() -> (Cache, TestClock) {
        let clock = TestClock::new(10_000);
        (Cache::new(Arc::new(clock.clone())), clock)
    }

    fn session(id: u8, time: i64, timeout: i64) -> Arc<Session> {
        let s = Session::new(time);
        s.set_version(0x0303);
        s.set_id(&[id; 32]);
        s.set_timeout(timeout);
        s
    }

    fn ids(sessions: &[Arc<Session>]) -> Vec<u8> {
        sessions.iter().map(|s| s.id().as_slice()[0]).collect()
    }

    #[test]
    fn defaults() {
        let (c, _) = cache();
        assert_eq!(c.mode(), mode::SERVER);
        assert_eq!(c.size(), 20480);
        assert_eq!(c.timeout(), 7200);
        assert_eq!(c.set_timeout(0), 7200);
        assert_eq!(c.session_timeout(), 7200, "ctx timeout 0 gives new sessions 7200");
        assert_eq!(c.set_size(-1), 0);
        assert_eq!(c.size(), 20480, "a negative size is refused");
    }

    #[test]
    fn add_same_object_twice_returns_false_and_replacement_is_silent() {
        let (c, _) = cache();
        let a = session(1, 10_000, 100);
        assert!(c.add(&a).inserted);
        assert!(!c.add(&a).inserted);
        let a2 = session(1, 10_000, 100);
        let r = c.add(&a2);
        assert!(r.inserted);
        assert!(Arc::ptr_eq(r.replaced.as_ref().unwrap(), &a));
        assert!(r.evicted.is_empty());
        assert_eq!(c.len(), 1);
        assert!(a.is_resumable(), "a replaced session is not marked");
        assert!(!a.is_cached());
        assert_eq!(Arc::strong_count(&a), 2, "test + the returned replaced handle");
    }

    #[test]
    fn same_id_other_version_coexists() {
        let (c, _) = cache();
        let a = session(1, 10_000, 100);
        let b = session(1, 10_000, 100);
        b.set_version(0x0304);
        c.add(&a);
        c.add(&b);
        assert_eq!(c.len(), 2);
        assert!(c.contains(0x0303, &[1; 32]) && c.contains(0x0304, &[1; 32]));
        assert!(!c.contains(0x0303, &[1; 31]));
    }

    #[test]
    fn eviction_takes_earliest_expiry_and_holds_size_minus_one() {
        let (c, _) = cache();
        c.set_size(3);
        let s1 = session(1, 10_000, 500);
        let s2 = session(2, 10_000, 100);
        let s3 = session(3, 10_000, 300);
        let mut counts = vec![];
        for s in [&s1, &s2, &s3] {
            c.add(s);
            counts.push(c.len());
        }
        assert_eq!(counts, vec![1, 2, 2]);
        // s1 and s2 were in; adding s3 evicted s2 (earliest expiry).
        assert!(!s2.is_resumable());
        assert_eq!(ids(&c.sessions_in_order()), vec![3, 1]);
        let s4 = session(4, 10_000, 1000);
        let r = c.add(&s4);
        assert_eq!(ids(&r.evicted), vec![3]);
        assert_eq!(Stats::get(&c.stats.cache_full), 2);
    }

    #[test]
    fn size_one_and_two_hold_one() {
        for size in [1, 2] {
            let (c, _) = cache();
            c.set_size(size);
            for i in 1..=4 {
                c.add(&session(i, 10_000, 100));
                assert_eq!(c.len(), 1);
            }
        }
    }

    #[test]
    fn ties_evict_the_earliest_placed() {
        let (c, _) = cache();
        c.set_size(3);
        let a = session(1, 10_000, 100);
        let b = session(2, 10_000, 100);
        c.add(&a);
        c.add(&b);
        let r = c.add(&session(3, 10_000, 100));
        assert_eq!(ids(&r.evicted), vec![1]);
    }

    #[test]
    fn zero_length_id_never_disables_eviction() {
        let (c, _) = cache();
        c.set_size(2);
        let empty = Session::new(10_000);
        empty.set_version(0x0303);
        empty.set_timeout(1);
        c.add(&empty);
        for i in 1..=5 {
            c.add(&session(i, 10_000, 100));
            assert!(c.len() <= 2);
        }
    }

    #[test]
    fn set_time_moves_a_cached_session() {
        let (c, _) = cache();
        let a = session(1, 10_000, 100);
        let b = session(2, 10_000, 200);
        c.add(&a);
        c.add(&b);
        assert_eq!(ids(&c.sessions_in_order()), vec![1, 2]);
        a.set_time(20_000);
        assert_eq!(ids(&c.sessions_in_order()), vec![2, 1]);
        b.set_timeout(50_000);
        assert_eq!(ids(&c.sessions_in_order()), vec![1, 2]);
    }

    #[test]
    fn remove_by_key_marks_the_argument_only() {
        let (c, _) = cache();
        let a = session(1, 10_000, 100);
        let a2 = session(1, 10_000, 100);
        c.add(&a2);
        match c.remove(&a) {
            Removed::Done { entry: Some(e) } => assert!(Arc::ptr_eq(&e, &a2)),
            other => panic!("expected removal of a2, got {other:?}"),
        }
        assert!(!a.is_resumable());
        assert!(a2.is_resumable());
        assert!(matches!(c.remove(&a), Removed::Done { entry: None }));
        let empty = Session::new(0);
        c.add(&empty);
        assert!(matches!(c.remove(&empty), Removed::Ignored));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn flush_is_strict_and_zero_flushes_all() {
        let (c, _) = cache();
        let a = session(1, 1000, 100);
        let b = session(2, 1000, 200);
        let d = session(3, 1000, 50);
        for s in [&a, &b, &d] {
            c.add(s);
        }
        assert!(c.flush(1050).is_empty());
        assert_eq!(ids(&c.flush(1101)), vec![3, 1]);
        assert!(!a.is_resumable());
        assert_eq!(ids(&c.flush(0)), vec![2]);
        assert!(c.is_empty());
    }

    #[test]
    fn update_time_refreshes_on_add() {
        let (c, clock) = cache();
        c.set_mode(mode::SERVER | mode::UPDATE_TIME);
        let a = session(1, 5, 100);
        clock.set(777);
        c.add(&a);
        assert_eq!(a.time(), 777);
    }

    #[test]
    fn one_session_in_two_caches() {
        let (c1, _) = cache();
        let (c2, _) = cache();
        let a = session(1, 10_000, 100);
        c1.add(&a);
        c2.add(&a);
        assert_eq!(c1.flush(0).len(), 1);
        assert!(a.is_cached());
        assert_eq!(c2.len(), 1);
        a.set_time(1);
        assert_eq!(c2.flush(0).len(), 1);
        assert!(!a.is_cached());
    }
}

#[cfg(test)]
mod model {
    //! The cache against a plain model of OpenSSL's list: a vector kept sorted by expiry, ties
    //! in placing order, the earliest evicted and flushed first.
    use super::*;
    use crate::core::clock::TestClock;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8, i64, i64),
        Remove(u8),
        SetTime(u8, i64),
        Flush(i64),
        Size(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..24, 0i64..50, 0i64..50).prop_map(|(i, t, d)| Op::Add(i, t, d)),
            2 => (0u8..24).prop_map(Op::Remove),
            1 => (0u8..24, 0i64..50).prop_map(|(i, t)| Op::SetTime(i, t)),
            1 => (0i64..120).prop_map(Op::Flush),
            1 => (0i64..6).prop_map(Op::Size),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn matches_the_model(ops in proptest::collection::vec(op(), 1..80)) {
            let cache = Cache::new(Arc::new(TestClock::new(0)));
            // One object per id, as an application holding its sessions would.
            let objects: Vec<Arc<Session>> = (0..24u8)
                .map(|i| {
                    let s = Session::new(0);
                    s.set_version(0x0303);
                    s.set_id(&[i + 1; 32]);
                    s
                })
                .collect();
            // Model: (id, expiry, placing number), sorted.
            let mut model: Vec<(u8, Expiry, u64)> = Vec::new();
            let mut seq = 0u64;
            let mut size = DEFAULT_CACHE_SIZE;
            let sort = |m: &mut Vec<(u8, Expiry, u64)>| m.sort_by_key(|&(_, e, n)| (e, n));
            for op in ops {
                match op {
                    Op::Add(i, t, d) => {
                        let s = &objects[i as usize];
                        s.set_time(t);
                        s.set_timeout(d);
                        let added = cache.add(s);
                        let cached = model.iter().position(|&(m, _, _)| m == i);
                        prop_assert_eq!(added.inserted, cached.is_none());
                        if let Some(p) = cached {
                            model.remove(p);
                        } else if size > 0 {
                            // The new one is not in the list while evicting.
                            let mut evicted = Vec::new();
                            while model.len() + 1 >= size as usize && !model.is_empty() {
                                evicted.push(model.remove(0).0);
                            }
                            let got: Vec<u8> = added.evicted.iter().map(|s| s.id().as_slice()[0] - 1).collect();
                            prop_assert_eq!(got, evicted);
                        }
                        seq += 1;
                        model.push((i, s.expiry(), seq));
                        sort(&mut model);
                    }
                    Op::Remove(i) => {
                        cache.remove(&objects[i as usize]);
                        model.retain(|&(m, _, _)| m != i);
                    }
                    Op::SetTime(i, t) => {
                        objects[i as usize].set_time(t);
                        if let Some(entry) = model.iter_mut().find(|(m, _, _)| *m == i) {
                            seq += 1;
                            *entry = (i, objects[i as usize].expiry(), seq);
                            sort(&mut model);
                        }
                    }
                    Op::Flush(tm) => {
                        let flushed: Vec<u8> = cache.flush(tm).iter().map(|s| s.id().as_slice()[0] - 1).collect();
                        let expected: Vec<u8> = model
                            .iter()
                            .filter(|&&(_, e, _)| tm == 0 || e.has_passed(tm))
                            .map(|&(m, _, _)| m)
                            .collect();
                        model.retain(|&(_, e, _)| !(tm == 0 || e.has_passed(tm)));
                        prop_assert_eq!(flushed, expected);
                    }
                    Op::Size(n) => {
                        cache.set_size(n);
                        size = n;
                    }
                }
                let order: Vec<u8> = cache.sessions_in_order().iter().map(|s| s.id().as_slice()[0] - 1).collect();
                let expected: Vec<u8> = model.iter().map(|&(m, _, _)| m).collect();
                prop_assert_eq!(order, expected);
                prop_assert_eq!(cache.len(), model.len());
            }
        }
    }
}
