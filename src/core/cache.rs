//! The internal session cache of one `SSL_CTX`.
//!
//! Sessions are spread over shards by id so that lookups from many threads do not contend.
//! Every shard keeps its sessions in expiry order, tagged with a cache-wide insertion number, so
//! the cache as a whole has OpenSSL's single list order: earliest expiry first, and among equal
//! expiries the one placed earliest. Eviction and flush take from that global front.
//!
//! Operations that remove sessions return them; nothing here calls out to the application.

use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use super::clock::Clock;
use super::session::{Expiry, Session, SessionId};

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

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        // Ids are random: their first bytes spread the keys well enough.
        let id = self.id.buffer();
        let mut word = [0u8; 8];
        word.copy_from_slice(&id[..8]);
        h.write_u64(u64::from_le_bytes(word) ^ (self.version as u64) << 40 ^ self.id.as_slice().len() as u64);
    }
}

impl Key {
    pub fn new(version: i32, id: SessionId) -> Key {
        Key { version, id }
    }
    /// A session without an id: OpenSSL cannot remove it by key.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    fn shard(&self) -> usize {
        let b = self.id.buffer();
        (b[0] ^ b[5] ^ b[31]) as usize % SHARDS
    }
}

/// A hasher for keys that are already well mixed.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        // One multiply spreads the bits over the whole word for the table's bucket choice.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 ^= v;
    }
}

/// Position in the cache-wide expiry order: the expiry's order bits above a cache-wide
/// insertion number, in one integer so that the order's comparisons are single instructions.
type Place = u128;

const SEQ_BITS: u32 = 63;

fn place_of(expiry: Expiry, seq: u64) -> Place {
    (expiry.order_bits() << SEQ_BITS) | u128::from(seq & ((1 << SEQ_BITS) - 1))
}

fn expiry_of(place: Place) -> Expiry {
    Expiry::from_order_bits(place >> SEQ_BITS)
}

struct Entry {
    session: Arc<Session>,
    /// `None` while an add is still evicting to make room.
    place: Option<Place>,
}

#[derive(Default)]
struct Shard {
    entries: HashMap<Key, Entry, BuildHasherDefault<PassThrough>>,
    order: BTreeMap<Place, Key>,
}

impl Shard {
    fn unlink(&mut self, key: &Key) -> Option<Arc<Session>> {
        let entry = self.entries.remove(key)?;
        if let Some(place) = entry.place {
            self.order.remove(&place);
        }
        Some(entry.session)
    }
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

    /// Re-sorts `session`, stored under `key`, after its time or timeout changed.
    pub(crate) fn reposition(&self, session: &Session, key: &Key) {
        let expiry = session.expiry();
        let mut shard = self.shard(key).write();
        let Some(entry) = shard.entries.get_mut(key) else {
            return;
        };
        if !std::ptr::eq(Arc::as_ptr(&entry.session), session) {
            return;
        }
        let Some(old) = entry.place else { return };
        let place = self.take_place(expiry);
        entry.place = Some(place);
        shard.order.remove(&old);
        shard.order.insert(place, *key);
    }

    /// Unlinks the session that expires first across all shards.
    fn pop_earliest(&self) -> Option<Arc<Session>> {
        loop {
            let mut best: Option<(Place, usize)> = None;
            for (i, shard) in self.shards.iter().enumerate() {
                if let Some((place, _)) = shard.0.read().order.first_key_value()
                    && best.is_none_or(|(b, _)| *place < b)
                {
                    best = Some((*place, i));
                }
            }
            let (place, i) = best?;
            let mut shard = self.shards[i].0.write();
            // Another thread may have changed this shard since the scan: look again.
            if shard.order.first_key_value().map(|(p, _)| *p) != Some(place) {
                continue;
            }
            let (_, key) = shard.order.pop_first()?;
            let entry = shard.entries.remove(&key)?;
            self.count.fetch_sub(1, Ordering::Relaxed);
            drop(shard);
            entry.session.remove_holder(&self.weak_self);
            return Some(entry.session);
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
        let key = Key::new(version, SessionId::new(id)?);
        let shard = self.shared.shard(&key).read();
        shard.entries.get(&key).map(|e| Arc::clone(&e.session))
    }

    /// `SSL_has_matching_session_id`.
    pub fn contains(&self, version: i32, id: &[u8]) -> bool {
        let Some(id) = SessionId::new(id) else {
            return false;
        };
        let key = Key::new(version, id);
        self.shared.shard(&key).read().entries.contains_key(&key)
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
        let placed = {
            let mut guard = shared.shard(&key).write();
            let shard = &mut *guard;
            let count = match shard.entries.get(&key) {
                Some(e) if Arc::ptr_eq(&e.session, session) => None,
                Some(_) => {
                    added.replaced = shard.unlink(&key);
                    Some(shared.count.load(Ordering::Relaxed))
                }
                None => Some(shared.count.fetch_add(1, Ordering::Relaxed) + 1),
            };
            added.inserted = count.is_some();
            // The common case places the session at once; when the add must evict first, the
            // new entry stays out of the order meanwhile so that it never evicts itself.
            let must_evict = count.is_some_and(|n| size > 0 && n as u64 >= size as u64);
            let place = (!must_evict).then(|| shared.take_place(expiry));
            match shard.entries.get_mut(&key) {
                Some(entry) => {
                    if let Some(old) = entry.place.take() {
                        shard.order.remove(&old);
                    }
                    entry.place = place;
                }
                None => {
                    shard.entries.insert(key, Entry { session: Arc::clone(session), place });
                }
            }
            if let Some(place) = place {
                shard.order.insert(place, key);
            }
            place.is_some()
        };
        if let Some(old) = &added.replaced {
            old.remove_holder(&shared.weak_self);
        }
        if added.inserted {
            session.add_holder(shared.weak_self.clone(), key);
        }
        if placed {
            return added;
        }
        // The count includes the new entry, hence OpenSSL's `size - 1` once full.
        while size > 0 && shared.count.load(Ordering::Relaxed) as u64 >= size as u64 {
            let Some(victim) = shared.pop_earliest() else {
                break;
            };
            victim.mark_not_resumable();
            Stats::bump(&self.stats.cache_full);
            added.evicted.push(victim);
        }
        let mut shard = shared.shard(&key).write();
        if let Some(entry) = shard.entries.get_mut(&key)
            && Arc::ptr_eq(&entry.session, session)
            && entry.place.is_none()
        {
            let place = shared.take_place(session.expiry());
            entry.place = Some(place);
            shard.order.insert(place, key);
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
            let entry = shard.unlink(&key);
            if entry.is_some() {
                self.shared.count.fetch_sub(1, Ordering::Relaxed);
            }
            entry
        };
        if let Some(e) = &entry {
            e.remove_holder(&self.shared.weak_self);
        }
        session.mark_not_resumable();
        Removed::Done { entry }
    }

    /// `SSL_CTX_flush_sessions(tm)`: removes every session expired at `tm` (all when `tm` is 0),
    /// marks each not resumable and returns them earliest expiry first.
    pub fn flush(&self, tm: i64) -> Vec<Arc<Session>> {
        let mut flushed: Vec<(Place, Arc<Session>)> = Vec::new();
        for shard in self.shared.shards.iter() {
            let mut shard = shard.0.write();
            while let Some((place, key)) = shard.order.first_key_value() {
                if tm != 0 && !expiry_of(*place).has_passed(tm) {
                    break;
                }
                let (place, key) = (*place, *key);
                shard.order.remove(&place);
                if let Some(entry) = shard.entries.remove(&key) {
                    self.shared.count.fetch_sub(1, Ordering::Relaxed);
                    flushed.push((place, entry.session));
                }
            }
        }
        flushed.sort_by_key(|(place, _)| *place);
        flushed
            .into_iter()
            .map(|(_, s)| {
                s.remove_holder(&self.shared.weak_self);
                s.mark_not_resumable();
                s
            })
            .collect()
    }

    /// The cached sessions, earliest expiry first (for tests and diagnostics).
    pub fn sessions_in_order(&self) -> Vec<Arc<Session>> {
        let mut all: Vec<(Place, Arc<Session>)> = Vec::new();
        for shard in self.shared.shards.iter() {
            let shard = shard.0.read();
            for (place, key) in &shard.order {
                if let Some(e) = shard.entries.get(key) {
                    all.push((*place, Arc::clone(&e.session)));
                }
            }
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
