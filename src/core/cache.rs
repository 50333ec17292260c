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

/// The shard that holds the sessions with this id (any version). Public so that tests and the
/// fuzz targets can build ids that share a shard and so exercise the order inside one.
pub fn shard_of(id: &[u8]) -> usize {
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
    //!
    //! The ids are built to share shards (ids of one repeated byte would give every session a
    //! shard of its own and hide any order bug inside a shard): four, and then three in four of
    //! the rest, land in one of two shards picked per case, the others anywhere. Lengths run
    //! from 1 to 32 bytes; some ids share their hash (same length and first 8 bytes) and some
    //! objects share an id, so a cached session is replaced by key.
    use super::*;
    use crate::core::clock::TestClock;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    const OBJECTS: usize = 24;
    const V: i32 = 0x0303;

    #[derive(Debug, Clone)]
    enum Where {
        /// One of the case's two hot shards.
        Hot(usize),
        Shard(usize),
    }

    /// How one object's id is made.
    #[derive(Debug, Clone)]
    enum IdSpec {
        /// The first `len` of `bytes`, with byte 0 adjusted to land in the shard.
        Fresh(Where, usize, Vec<u8>),
        /// The id of an earlier object with one byte changed that the shard does not read
        /// (one after the first 8 if the id has 10 bytes or more, else one of bytes 1 to 4; a
        /// 1-byte id gets a second byte): another key in the same shard, and with the same hash
        /// when the id is long.
        Sibling { of: usize, pos: usize, byte: u8 },
        /// The id of an earlier object: a different object with the same key.
        Same { of: usize },
    }

    /// `bytes` with byte 0 changed so that the id lands in `shard` (the shard is the low bits
    /// of an xor that includes byte 0).
    fn in_shard(mut bytes: Vec<u8>, shard: usize) -> Vec<u8> {
        bytes[0] ^= (shard_of(&bytes) ^ shard) as u8;
        assert_eq!(shard_of(&bytes), shard, "in_shard must reach shard {shard}");
        bytes
    }

    fn build_ids(hot: [usize; 2], specs: &[IdSpec]) -> Vec<Vec<u8>> {
        let mut ids: Vec<Vec<u8>> = Vec::new();
        for spec in specs {
            let id = match spec {
                IdSpec::Fresh(at, len, bytes) => {
                    let shard = match *at {
                        Where::Hot(h) => hot[h],
                        Where::Shard(s) => s,
                    };
                    in_shard(bytes[..*len].to_vec(), shard)
                }
                IdSpec::Sibling { of, pos, byte } => {
                    let mut id = ids[of % ids.len()].clone();
                    let n = id.len();
                    match n {
                        1 => id.push(*byte),
                        2..=9 => id[1 + pos % (n - 1).min(4)] = *byte,
                        _ => id[8 + pos % (n - 9)] = *byte,
                    }
                    in_shard(id, shard_of(&ids[of % ids.len()]))
                }
                IdSpec::Same { of } => ids[of % ids.len()].clone(),
            };
            ids.push(id);
        }
        ids
    }

    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![0u8..3, any::<u8>()]
    }

    fn id_spec() -> impl Strategy<Value = IdSpec> {
        let at = prop_oneof![3 => (0usize..2).prop_map(Where::Hot), 1 => (0..SHARDS).prop_map(Where::Shard)];
        let len = prop_oneof![1usize..=3, 1usize..=32, Just(32usize)];
        prop_oneof![
            6 => (at, len, proptest::collection::vec(byte(), 32)).prop_map(|(w, l, b)| IdSpec::Fresh(w, l, b)),
            2 => (any::<usize>(), any::<usize>(), byte()).prop_map(|(of, pos, byte)| IdSpec::Sibling { of, pos, byte }),
            1 => any::<usize>().prop_map(|of| IdSpec::Same { of }),
        ]
    }

    /// The ids of one case. The first four are long ids of distinct lengths in hot shard 0, so
    /// that every case has at least four keys in one shard.
    fn ids() -> impl Strategy<Value = Vec<Vec<u8>>> {
        let sure = (29usize..=32)
            .map(|len| proptest::collection::vec(byte(), 32).prop_map(move |b| IdSpec::Fresh(Where::Hot(0), len, b)));
        let sure: Vec<_> = sure.collect();
        (0..SHARDS, 0..SHARDS, sure, proptest::collection::vec(id_spec(), OBJECTS - 4))
            .prop_map(|(h0, h1, sure, rest)| build_ids([h0, h1], &[sure, rest].concat()))
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(usize, i64, i64),
        Remove(usize),
        SetTime(usize, i64),
        SetTimeout(usize, i64),
        Get(usize),
        Flush(i64),
        Size(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let obj = 0..OBJECTS;
        // Small times and one common timeout often, so that equal expiries (ties) are common.
        let time = || prop_oneof![3 => 0i64..4, 2 => Just(10i64), 1 => 0i64..50];
        prop_oneof![
            6 => (obj.clone(), time(), time()).prop_map(|(i, t, d)| Op::Add(i, t, d)),
            2 => obj.clone().prop_map(Op::Remove),
            1 => (obj.clone(), time()).prop_map(|(i, t)| Op::SetTime(i, t)),
            1 => (obj.clone(), time()).prop_map(|(i, d)| Op::SetTimeout(i, d)),
            1 => obj.prop_map(Op::Get),
            1 => (0i64..60).prop_map(Op::Flush),
            1 => prop_oneof![0i64..4, 4i64..16, Just(0)].prop_map(Op::Size),
        ]
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        proptest::collection::vec(op(), 10..100)
    }

    /// A cached object in the model: its index, expiry and placing number.
    #[derive(Debug, Clone, Copy)]
    struct Entry {
        obj: usize,
        expiry: Expiry,
        seq: u64,
    }

    /// What a run exercised, to show that sessions really met in one shard.
    #[derive(Debug, Default)]
    struct Coverage {
        /// Most sessions held at once by one shard.
        most_in_one_shard: usize,
        /// Evictions from a shard that held other sessions too.
        evicted_from_shared_shard: usize,
        /// Of those, evictions with a tie in the shard: a later-placed session of equal expiry.
        evicted_among_ties_in_shard: usize,
        /// Flushed sessions that left a shard with other sessions in it.
        flushed_from_shared_shard: usize,
        /// Replacements: adds of another object with a cached key.
        replaced: usize,
    }

    fn run(ids: &[Vec<u8>], ops: &[Op]) -> Result<Coverage, TestCaseError> {
        let cache = Cache::new(Arc::new(TestClock::new(0)));
        // One object per entry of `ids`, as an application holding its sessions would.
        let objects: Vec<Arc<Session>> = ids
            .iter()
            .map(|id| {
                let s = Session::new(0);
                s.set_version(V);
                s.set_id(id);
                s
            })
            .collect();
        let which = |s: &Arc<Session>| objects.iter().position(|o| Arc::ptr_eq(o, s)).unwrap_or(usize::MAX);
        let which_all = |v: &[Arc<Session>]| v.iter().map(which).collect::<Vec<usize>>();
        let shard_at = |obj: usize| shard_of(&ids[obj]);
        let mut model: Vec<Entry> = Vec::new();
        let mut seq = 0u64;
        let mut size = DEFAULT_CACHE_SIZE;
        let mut seen = Coverage::default();
        let sort = |m: &mut Vec<Entry>| m.sort_by_key(|e| (e.expiry, e.seq));
        let in_model = |m: &[Entry], obj: usize| m.iter().position(|e| e.obj == obj);
        let by_key = |m: &[Entry], obj: usize| m.iter().position(|e| ids[e.obj] == ids[obj]);
        // Whether `e` shares its shard with other cached sessions, and an expiry with one of them.
        let note = |m: &[Entry], e: &Entry| {
            let mates: Vec<&Entry> =
                m.iter().filter(|x| x.obj != e.obj && shard_at(x.obj) == shard_at(e.obj)).collect();
            (!mates.is_empty(), mates.iter().any(|x| x.expiry == e.expiry))
        };
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Add(i, t, d) => {
                    let s = &objects[i];
                    s.set_time(t);
                    s.set_timeout(d);
                    let added = cache.add(s);
                    let mut evicted = Vec::new();
                    if let Some(p) = in_model(&model, i) {
                        prop_assert!(!added.inserted, "step {}: re-adding cached object {} must return false", step, i);
                        prop_assert!(
                            added.replaced.is_none() && added.evicted.is_empty(),
                            "step {}: a re-add replaces or evicts nothing",
                            step
                        );
                        model.remove(p);
                    } else {
                        prop_assert!(added.inserted, "step {}: adding uncached object {} must return true", step, i);
                        let old = by_key(&model, i).map(|p| model.remove(p).obj);
                        seen.replaced += usize::from(old.is_some());
                        prop_assert_eq!(
                            added.replaced.as_ref().map(which),
                            old,
                            "step {}: the object replaced by {} (same key)",
                            step,
                            i
                        );
                        // The new one is not in the list while evicting.
                        while size > 0 && model.len() + 1 >= size as usize && !model.is_empty() {
                            let (shared, tie) = note(&model, &model[0]);
                            seen.evicted_from_shared_shard += usize::from(shared);
                            seen.evicted_among_ties_in_shard += usize::from(tie);
                            evicted.push(model.remove(0).obj);
                        }
                        prop_assert_eq!(
                            which_all(&added.evicted),
                            evicted.clone(),
                            "step {}: eviction order for add of {} (objects by index; earliest expiry first, ties earliest placed)",
                            step,
                            i
                        );
                    }
                    for &e in &evicted {
                        prop_assert!(
                            !objects[e].is_resumable(),
                            "step {}: evicted object {} is still resumable",
                            step,
                            e
                        );
                    }
                    seq += 1;
                    model.push(Entry { obj: i, expiry: s.expiry(), seq });
                    sort(&mut model);
                }
                Op::Remove(i) => {
                    let want = by_key(&model, i).map(|p| model.remove(p).obj);
                    match cache.remove(&objects[i]) {
                        Removed::Done { entry } => {
                            prop_assert_eq!(
                                entry.as_ref().map(which),
                                want,
                                "step {}: remove of {} takes the entry with its key",
                                step,
                                i
                            );
                        }
                        Removed::Ignored => {
                            prop_assert!(false, "step {}: remove of {} ignored, but its id is not empty", step, i)
                        }
                    }
                    prop_assert!(!objects[i].is_resumable(), "step {}: the argument of remove stays resumable", step);
                }
                Op::SetTime(i, v) | Op::SetTimeout(i, v) => {
                    if matches!(op, Op::SetTime(..)) {
                        objects[i].set_time(v);
                    } else {
                        objects[i].set_timeout(v);
                    }
                    // A cached session moves to its new expiry, behind the ties already there.
                    if let Some(p) = in_model(&model, i) {
                        seq += 1;
                        model[p] = Entry { obj: i, expiry: objects[i].expiry(), seq };
                        sort(&mut model);
                    }
                }
                Op::Get(i) => {
                    let want = by_key(&model, i).map(|p| model[p].obj);
                    prop_assert_eq!(
                        cache.get(V, &ids[i]).as_ref().map(which),
                        want,
                        "step {}: get of the id of {}",
                        step,
                        i
                    );
                    prop_assert_eq!(
                        cache.contains(V, &ids[i]),
                        want.is_some(),
                        "step {}: contains for the id of {}",
                        step,
                        i
                    );
                }
                Op::Flush(tm) => {
                    let gone = |e: &Entry| tm == 0 || e.expiry.has_passed(tm);
                    let expected: Vec<usize> = model.iter().filter(|e| gone(e)).map(|e| e.obj).collect();
                    for e in model.iter().filter(|e| gone(e)) {
                        seen.flushed_from_shared_shard += usize::from(note(&model, e).0);
                    }
                    model.retain(|e| !gone(e));
                    let flushed = which_all(&cache.flush(tm));
                    prop_assert_eq!(
                        flushed,
                        expected,
                        "step {}: flush({}) order (objects by index; earliest expiry first, ties earliest placed)",
                        step,
                        tm
                    );
                }
                Op::Size(n) => {
                    cache.set_size(n);
                    size = n;
                }
            }
            let order = which_all(&cache.sessions_in_order());
            let expected: Vec<usize> = model.iter().map(|e| e.obj).collect();
            prop_assert_eq!(order, expected, "step {}: cache order after {:?} (objects by index)", step, op);
            prop_assert_eq!(cache.len(), model.len(), "step {}: count after {:?}", step, op);
            for (i, o) in objects.iter().enumerate() {
                prop_assert_eq!(
                    o.is_cached(),
                    in_model(&model, i).is_some(),
                    "step {}: is_cached of {} after {:?}",
                    step,
                    i,
                    op
                );
            }
            // Each shard on its own: sound links, its list in place order, its front what the
            // cache evicts next from it, and just the model's sessions of that shard.
            for (n, shard) in cache.shared.shards.iter().enumerate() {
                let shard = shard.0.read();
                if let Err(e) = shard.check_links() {
                    prop_assert!(false, "step {}: shard {} has broken links after {:?}: {}", step, n, op, e);
                }
                let ordered = shard.ordered();
                prop_assert!(
                    ordered.windows(2).all(|w| w[0].0 < w[1].0),
                    "step {}: shard {} out of place order after {:?}",
                    step,
                    n,
                    op
                );
                prop_assert_eq!(
                    shard.first_place(),
                    ordered.first().map(|(p, _)| *p),
                    "step {}: shard {} front after {:?}",
                    step,
                    n,
                    op
                );
                let want: Vec<usize> = model.iter().filter(|e| shard_at(e.obj) == n).map(|e| e.obj).collect();
                let got: Vec<usize> = ordered.iter().map(|(_, s)| which(s)).collect();
                prop_assert_eq!(got, want, "step {}: shard {} holds the wrong sessions after {:?}", step, n, op);
                seen.most_in_one_shard = seen.most_in_one_shard.max(ordered.len());
            }
        }
        Ok(seen)
    }

    /// Distinct keys in the fullest shard.
    fn most_keys_in_one_shard(ids: &[Vec<u8>]) -> usize {
        let mut keys: Vec<&Vec<u8>> = ids.iter().collect();
        keys.sort();
        keys.dedup();
        (0..SHARDS).map(|n| keys.iter().filter(|id| shard_of(id) == n).count()).max().unwrap_or(0)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn matches_the_model(ids in ids(), ops in ops()) {
            let most = most_keys_in_one_shard(&ids);
            prop_assert!(most >= 4, "the ids must put at least four keys in one shard: {:?}", ids);
            run(&ids, &ops)?;
        }
    }

    /// The generated cases really put sessions together in one shard and make the cache choose
    /// among them; prints what 200 fixed cases exercised.
    #[test]
    fn generated_cases_share_shards() {
        let mut runner = TestRunner::deterministic();
        let (mut total, mut crowded, mut lengths) = (Coverage::default(), 0, std::collections::BTreeSet::new());
        let cases = 200;
        for case in 0..cases {
            let ids = ids().new_tree(&mut runner).expect("ids").current();
            let ops = ops().new_tree(&mut runner).expect("ops").current();
            assert!(most_keys_in_one_shard(&ids) >= 4, "case {case}: fewer than four keys share a shard: {ids:?}");
            lengths.extend(ids.iter().map(|id| id.len()));
            let c = run(&ids, &ops).unwrap_or_else(|e| panic!("case {case} fails the model: {e}"));
            crowded += usize::from(c.most_in_one_shard >= 3);
            total.most_in_one_shard = total.most_in_one_shard.max(c.most_in_one_shard);
            total.evicted_from_shared_shard += c.evicted_from_shared_shard;
            total.evicted_among_ties_in_shard += c.evicted_among_ties_in_shard;
            total.flushed_from_shared_shard += c.flushed_from_shared_shard;
            total.replaced += c.replaced;
        }
        println!("{cases} cases: {crowded} had 3+ sessions in one shard at once; id lengths {lengths:?}; {total:?}");
        // Floors well under what the fixed cases give (about 180, 45 and 1300).
        assert!(crowded * 4 >= cases * 3, "only {crowded} of {cases} cases had 3+ sessions in one shard at once");
        assert!(total.evicted_among_ties_in_shard >= 20, "too few evictions among ties inside a shard: {total:?}");
        assert!(total.flushed_from_shared_shard >= 100, "too few flushes from a shared shard: {total:?}");
        assert!(total.replaced >= 20, "too few replacements by key: {total:?}");
        assert!(
            lengths.contains(&1) && lengths.contains(&32) && lengths.len() >= 20,
            "id lengths not spread over 1..=32: {lengths:?}"
        );
    }
}
