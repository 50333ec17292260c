//! `Session`: one TLS session as OpenSSL's `SSL_SESSION` holds it.
//!
//! Shared as `Arc<Session>`; the strong count is OpenSSL's reference count. Fields a program may
//! change on a cached session (time, timeout) move it in the expiry order of every cache that
//! holds it.

use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};

use super::cache::{CacheShared, Handle, Key};

/// `SSL_MAX_SSL_SESSION_ID_LENGTH`.
pub const MAX_ID_LEN: usize = 32;
/// `SSL_MAX_SID_CTX_LENGTH`.
pub const MAX_SID_CTX_LEN: usize = 32;
/// `TLS13_MAX_RESUMPTION_PSK_LENGTH`: the master key field also holds TLS 1.3 PSKs.
pub const MAX_MASTER_KEY_LEN: usize = 512;
/// `SSL_SESSION_new()`'s timeout: five minutes and four seconds.
pub const NEW_SESSION_TIMEOUT: i64 = 60 * 5 + 4;
/// `TLSEXT_max_fragment_length_UNSPECIFIED`.
pub const MAX_FRAGMENT_LEN_UNSPECIFIED: u8 = 0xff;
/// `SSL_SESS_FLAG_EXTMS`: the session used the extended master secret.
pub const FLAG_EXTMS: u64 = 1;

/// When a session expires, ordered as OpenSSL orders its cache list: an expiry time that
/// overflowed `time_t` sorts after every other, and then by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry {
    overflowed: bool,
    at: i64,
}

impl Expiry {
    /// `time + timeout` with OpenSSL's overflow rule (64-bit `time_t`): when the sum would pass
    /// `i64::MAX` (computed in wrapping unsigned arithmetic, as OpenSSL does), the session never
    /// expires.
    pub fn compute(time: i64, timeout: i64) -> Expiry {
        let headroom = (i64::MAX as u64).wrapping_sub(time as u64) as i64;
        if timeout > headroom {
            Expiry { overflowed: true, at: timeout.wrapping_sub(headroom) }
        } else {
            Expiry { overflowed: false, at: time.wrapping_add(timeout) }
        }
    }

    /// OpenSSL's `sess_timedout`: strictly after `time + timeout`, never when overflowed.
    pub fn has_passed(&self, now: i64) -> bool {
        !self.overflowed && now > self.at
    }

    /// 65 bits that order as `Expiry` does: the overflow flag above the time (sign flipped so
    /// that unsigned order is signed order).
    pub fn order_bits(&self) -> u128 {
        (u128::from(self.overflowed) << 64) | u128::from(self.at as u64 ^ (1 << 63))
    }

    pub fn from_order_bits(bits: u128) -> Expiry {
        Expiry { overflowed: (bits >> 64) & 1 == 1, at: ((bits as u64) ^ (1 << 63)) as i64 }
    }
}

/// A byte string of at most `N` bytes stored inline, so that a pointer to it stays valid as
/// long as the session lives (`SSL_SESSION_get_id` hands one out).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortBytes<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> ShortBytes<N> {
    pub const fn empty() -> Self {
        ShortBytes { len: 0, bytes: [0; N] }
    }
    /// `None` when `data` is longer than `N`.
    pub fn new(data: &[u8]) -> Option<Self> {
        if data.len() > N {
            return None;
        }
        let mut s = Self::empty();
        s.bytes[..data.len()].copy_from_slice(data);
        s.len = data.len() as u8;
        Some(s)
    }
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
    /// The whole inline buffer: OpenSSL hands out a pointer to it even when the length is 0.
    pub fn buffer(&self) -> &[u8; N] {
        &self.bytes
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> std::fmt::Debug for ShortBytes<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

pub type SessionId = ShortBytes<MAX_ID_LEN>;
pub type SidCtx = ShortBytes<MAX_SID_CTX_LEN>;

/// The rarer byte-string fields of a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extra {
    /// DER of the peer's leaf certificate.
    pub peer_cert: Option<Vec<u8>>,
    /// A C string, so that `SSL_SESSION_get0_hostname` can lend it.
    pub hostname: Option<std::ffi::CString>,
    pub alpn_selected: Option<Vec<u8>>,
    pub ticket: Option<Vec<u8>>,
    pub ticket_appdata: Option<Vec<u8>>,
    pub psk_identity_hint: Option<Vec<u8>>,
    pub psk_identity: Option<Vec<u8>>,
    pub srp_username: Option<Vec<u8>>,
}

static NO_EXTRA: Extra = Extra {
    peer_cert: None,
    hostname: None,
    alpn_selected: None,
    ticket: None,
    ticket_appdata: None,
    psk_identity_hint: None,
    psk_identity: None,
    srp_username: None,
};

/// Everything `i2d_SSL_SESSION` writes.
///
/// In C order, what the cache reads on every add and remove first (version, time, timeout,
/// id), packed without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct SessionFields {
    /// Protocol version (`0x0303`, `0x0304`); 0 for a bare `SSL_SESSION_new()`.
    pub version: i32,
    /// The two-byte TLS cipher suite, if the session has one.
    pub cipher: Option<u16>,
    pub time: i64,
    pub timeout: i64,
    pub id: SessionId,
    pub sid_ctx: SidCtx,
    pub max_fragment_len_mode: u8,
    /// Compression method; 0 (none) in every session TLS makes today.
    pub compress_meth: u8,
    pub ticket_age_add: u32,
    pub max_early_data: u32,
    pub kex_group: u32,
    /// TLS 1.2 master secret, or the TLS 1.3 resumption PSK.
    pub master_key: Box<[u8]>,
    pub verify_result: i64,
    pub ticket_lifetime_hint: u64,
    pub flags: u64,
    /// Fields most sessions do not have, boxed so that they cost one pointer when absent.
    extra: Option<Box<Extra>>,
}

impl SessionFields {
    /// The fields of `SSL_SESSION_new()` at time `now`.
    pub fn new(now: i64) -> SessionFields {
        SessionFields {
            version: 0,
            cipher: None,
            id: SessionId::empty(),
            sid_ctx: SidCtx::empty(),
            master_key: Box::default(),
            time: now,
            timeout: NEW_SESSION_TIMEOUT,
            verify_result: 1,
            ticket_lifetime_hint: 0,
            ticket_age_add: 0,
            flags: 0,
            max_early_data: 0,
            max_fragment_len_mode: MAX_FRAGMENT_LEN_UNSPECIFIED,
            extra: None,
            kex_group: 0,
            compress_meth: 0,
        }
    }

    /// Sets time and timeout together.
    pub fn set_lifetime(&mut self, time: i64, timeout: i64) {
        self.time = time;
        self.timeout = timeout;
    }

    pub fn expiry(&self) -> Expiry {
        Expiry::compute(self.time, self.timeout)
    }

    /// The rarer fields (all absent for most sessions).
    pub fn extra(&self) -> &Extra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    /// Changes the rarer fields; they take no memory again once all are absent.
    pub fn update_extra(&mut self, f: impl FnOnce(&mut Extra)) {
        let mut extra = self.extra.take().unwrap_or_default();
        f(&mut extra);
        if *extra != NO_EXTRA {
            self.extra = Some(extra);
        }
    }

    /// The cache key: protocol version and id (the id context is not part of it).
    pub fn key(&self) -> Key {
        Key::new(self.version, self.id)
    }
}

/// One TLS session. `Arc<Session>` is an `SSL_SESSION *`.
///
/// In C order so that the reference count, the holder lock, the field lock and the key share as
/// few cache lines as they can: a cache add or remove touches all four.
#[derive(Debug)]
#[repr(C)]
pub struct Session {
    links: Mutex<Links>,
    fields: RwLock<SessionFields>,
}

/// What a session is tied to besides its fields.
#[derive(Debug, Default)]
struct Links {
    /// The caches holding this session, each with where it keeps it.
    holders: Holders,
    /// What the TLS engine needs to resume this session as a client; opaque here.
    engine_state: Option<EngineState>,
    /// Removed, flushed or evicted: never to be resumed.
    not_resumable: bool,
    /// What the C layer lends out of this session (`get0` objects); opaque here.
    lent: Option<Box<Lent>>,
}

/// See [`Session::with_lent`].
pub type Lent = Box<dyn std::any::Any + Send>;

/// Engine-specific resumption state attached to a session (the TLS layer's client values).
pub type EngineState = Arc<dyn std::any::Any + Send + Sync>;

type Holder = (Weak<CacheShared>, Handle);

/// The caches holding a session. Almost always one, so the first is kept inline (no allocation
/// per cached session) and the rest boxed (one pointer while there are none).
#[derive(Debug, Default)]
struct Holders {
    first: Option<Holder>,
    // One pointer instead of a `Vec`'s three: this sits in every session.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<Holder>>>,
}

impl Holders {
    fn iter(&self) -> impl Iterator<Item = &Holder> {
        self.first.iter().chain(self.more.iter().flat_map(|m| m.iter()))
    }

    fn remove(&mut self, cache: &Weak<CacheShared>) {
        let gone = |(c, _): &Holder| c.strong_count() == 0 || Weak::ptr_eq(c, cache);
        if let Some(more) = &mut self.more {
            more.retain(|h| !gone(h));
        }
        if self.first.as_ref().is_some_and(gone) {
            self.first = self.more.as_mut().and_then(|m| m.pop());
        }
        if self.more.as_ref().is_some_and(|m| m.is_empty()) {
            self.more = None;
        }
    }

    fn add(&mut self, holder: Holder) {
        if self.first.is_none() {
            self.first = Some(holder);
        } else {
            self.more.get_or_insert_default().push(holder);
        }
    }
}

/// Sessions alive in this process, for leak checks in tests.
static LIVE_SESSIONS: AtomicI64 = AtomicI64::new(0);

/// How many `Session` objects exist right now.
pub fn live_sessions() -> i64 {
    LIVE_SESSIONS.load(Ordering::Relaxed)
}

impl Drop for Session {
    fn drop(&mut self) {
        LIVE_SESSIONS.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Session {
    pub fn from_fields(fields: SessionFields) -> Arc<Session> {
        LIVE_SESSIONS.fetch_add(1, Ordering::Relaxed);
        Arc::new(Session { fields: RwLock::new(fields), links: Mutex::new(Links::default()) })
    }

    /// `SSL_SESSION_new()` at time `now`.
    pub fn new(now: i64) -> Arc<Session> {
        Session::from_fields(SessionFields::new(now))
    }

    /// `SSL_SESSION_dup`: a deep copy in no cache; it keeps `not_resumable`.
    pub fn dup(&self) -> Arc<Session> {
        let copy = Session::from_fields(self.fields());
        {
            // The copy is new: nobody else can hold its lock, so taking both cannot deadlock.
            let (from, mut to) = (self.links.lock(), copy.links.lock());
            to.engine_state = from.engine_state.clone();
            to.not_resumable = from.not_resumable;
        }
        copy
    }

    /// The engine state attached to this session, if any.
    pub fn engine_state(&self) -> Option<EngineState> {
        self.links.lock().engine_state.clone()
    }

    pub fn set_engine_state(&self, state: Option<EngineState>) {
        self.links.lock().engine_state = state;
    }

    /// Runs `f` on what the C layer lends out of this session (its `get0` objects, so that their
    /// pointers live as long as the session). `f` runs under the session's lock: it must not
    /// call back into the application.
    pub fn with_lent<R>(&self, f: impl FnOnce(&mut Option<Box<Lent>>) -> R) -> R {
        f(&mut self.links.lock().lent)
    }

    /// The copy libssl makes for each further TLS 1.3 ticket: resumable again.
    pub fn dup_resumable(&self) -> Arc<Session> {
        Session::from_fields(self.fields())
    }

    /// A snapshot of all fields.
    pub fn fields(&self) -> SessionFields {
        self.fields.read().clone()
    }

    /// Read access without copying; do not call back into the library while holding it.
    pub fn read(&self) -> RwLockReadGuard<'_, SessionFields> {
        self.fields.read()
    }

    /// Changes fields that are not part of the cache key or expiry order.
    pub fn update<R>(&self, f: impl FnOnce(&mut SessionFields) -> R) -> R {
        f(&mut self.fields.write())
    }

    /// Replaces every serialized field (`d2i_SSL_SESSION` into an existing object) and
    /// re-sorts the session in the caches that hold it. The not-resumable mark stays, as in
    /// OpenSSL.
    pub fn replace_fields(&self, fields: SessionFields) {
        *self.fields.write() = fields;
        self.reposition_in_holders();
    }

    pub fn key(&self) -> Key {
        self.fields.read().key()
    }

    pub fn id(&self) -> SessionId {
        self.fields.read().id
    }

    pub fn version(&self) -> i32 {
        self.fields.read().version
    }

    pub fn expiry(&self) -> Expiry {
        self.fields.read().expiry()
    }

    pub fn time(&self) -> i64 {
        self.fields.read().time
    }

    pub fn timeout(&self) -> i64 {
        self.fields.read().timeout
    }

    /// `SSL_SESSION_set_time`: moves the session in the expiry order of its caches.
    pub fn set_time(&self, time: i64) {
        {
            let mut f = self.fields.write();
            let timeout = f.timeout;
            f.set_lifetime(time, timeout);
        }
        self.reposition_in_holders();
    }

    /// `SSL_SESSION_set_timeout`: false (nothing changed) for a negative timeout.
    pub fn set_timeout(&self, timeout: i64) -> bool {
        if timeout < 0 {
            return false;
        }
        {
            let mut f = self.fields.write();
            let time = f.time;
            f.set_lifetime(time, timeout);
        }
        self.reposition_in_holders();
        true
    }

    /// `SSL_SESSION_set1_id`: like OpenSSL, a cached session keeps the key it was stored under.
    pub fn set_id(&self, id: &[u8]) -> bool {
        match SessionId::new(id) {
            Some(id) => {
                self.fields.write().id = id;
                true
            }
            None => false,
        }
    }

    pub fn set_sid_ctx(&self, sid_ctx: &[u8]) -> bool {
        match SidCtx::new(sid_ctx) {
            Some(c) => {
                self.fields.write().sid_ctx = c;
                true
            }
            None => false,
        }
    }

    pub fn set_version(&self, version: i32) {
        self.fields.write().version = version;
    }

    /// Marks the session as one that must not be resumed (removed, flushed, evicted).
    pub fn mark_not_resumable(&self) {
        self.links.lock().not_resumable = true;
    }

    pub fn is_marked_not_resumable(&self) -> bool {
        self.links.lock().not_resumable
    }

    /// `SSL_SESSION_is_resumable`: not marked, and an id or a ticket to resume with.
    pub fn is_resumable(&self) -> bool {
        if self.is_marked_not_resumable() {
            return false;
        }
        let f = self.fields.read();
        !f.id.is_empty() || f.extra().ticket.as_ref().is_some_and(|t| !t.is_empty())
    }

    /// Whether some cache holds this session.
    pub fn is_cached(&self) -> bool {
        self.links.lock().holders.iter().any(|(c, _)| c.strong_count() > 0)
    }

    pub(crate) fn add_holder(&self, cache: Weak<CacheShared>, at: Handle) {
        let holders = &mut self.links.lock().holders;
        holders.remove(&cache);
        holders.add((cache, at));
    }

    pub(crate) fn remove_holder(&self, cache: &Weak<CacheShared>) {
        self.links.lock().holders.remove(cache);
    }

    /// The session left `cache` for good (removed, flushed, evicted): never resumed again.
    pub(crate) fn leave_cache(&self, cache: &Weak<CacheShared>) {
        let mut links = self.links.lock();
        links.holders.remove(cache);
        links.not_resumable = true;
    }

    fn reposition_in_holders(self: &Session) {
        // Copy the list out: repositioning takes shard locks, never under the holder lock.
        let holders: Vec<Holder> = self.links.lock().holders.iter().cloned().collect();
        for (cache, at) in holders {
            if let Some(cache) = cache.upgrade() {
                cache.reposition(self, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_session_defaults() {
        let s = Session::new(1000);
        let f = s.fields();
        assert_eq!(f.timeout, 304);
        assert_eq!(f.time, 1000);
        assert_eq!(f.version, 0);
        assert_eq!(f.verify_result, 1);
        assert!(!s.is_resumable(), "no id and no ticket: not resumable");
    }

    #[test]
    fn expiry_is_strict_and_overflow_never_expires() {
        let e = Expiry::compute(1000, 100);
        assert!(!e.has_passed(1100));
        assert!(e.has_passed(1101));
        let o = Expiry::compute(i64::MAX - 5, 10);
        assert!(!o.has_passed(i64::MAX));
        assert!(o > e && o > Expiry::compute(i64::MAX - 20, 10));
    }

    #[test]
    fn order_bits_order_as_expiry_does() {
        let all = [
            Expiry::compute(-50, 10),
            Expiry::compute(0, 0),
            Expiry::compute(1000, 100),
            Expiry::compute(1000, 101),
            Expiry::compute(i64::MAX - 5, 10),
            Expiry::compute(i64::MAX - 20, 100),
            Expiry::compute(5, -10),
        ];
        for a in all {
            assert_eq!(Expiry::from_order_bits(a.order_bits()), a);
            for b in all {
                assert_eq!(a.cmp(&b), a.order_bits().cmp(&b.order_bits()), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn negative_time_overflows_like_openssl() {
        // OpenSSL's unsigned headroom arithmetic treats a negative time as overflowing.
        assert!(!Expiry::compute(-1, 5).has_passed(100));
    }

    #[test]
    fn set_timeout_rejects_negative_and_dup_keeps_flag() {
        let s = Session::new(0);
        assert!(!s.set_timeout(-1));
        assert_eq!(s.timeout(), 304);
        assert!(s.set_id(&[1; 32]));
        assert!(!s.set_id(&[1; 33]));
        assert!(s.is_resumable());
        s.mark_not_resumable();
        assert!(!s.dup().is_resumable());
        assert!(s.dup_resumable().is_resumable());
    }
}
