//! One shard of a cache: its sessions in a slab, an index from key to slab slot, and the expiry
//! order as a list per expiry time (in placing order) under an ordered map of expiry times.
//! Placing and unlinking are O(1) once the expiry time has its list, which is the usual case:
//! sessions of one context mostly share their timeout and arrive in time order.
//!
//! Keys live in an array of their own: a lookup reads the index and one key, so the memory a
//! lookup touches is small and dense; the rest of a slot is read only when the shard changes.

use hashbrown::HashTable;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::cache::{Key, hash_of};
use super::session::{Expiry, Session};

const NIL: u32 = u32::MAX;

/// Position in the cache-wide expiry order: the expiry's order bits above a cache-wide placing
/// number, in one integer.
pub type Place = u128;

const SEQ_BITS: u32 = 63;
/// The place of a session that is not in the expiry order (placing numbers never reach it).
const UNPLACED: Place = Place::MAX;

pub fn place_of(expiry: Expiry, seq: u64) -> Place {
    (expiry.order_bits() << SEQ_BITS) | u128::from(seq & ((1 << SEQ_BITS) - 1))
}

fn expiry_of(place: Place) -> Expiry {
    Expiry::from_order_bits(place >> SEQ_BITS)
}

/// Everything of a slot but its key.
struct Link {
    /// `None` for a free slot.
    session: Option<Arc<Session>>,
    /// `UNPLACED` unless linked into the expiry order.
    place: Place,
    prev: u32,
    next: u32,
}

#[derive(Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

#[derive(Default)]
pub struct Shard {
    index: HashTable<u32>,
    keys: Vec<Key>,
    links: Vec<Link>,
    /// Free slots, linked through `next`.
    free: Option<u32>,
    /// Expiry order bits → the sessions with that expiry, earliest placed first.
    order: BTreeMap<u128, List>,
}

impl Shard {
    fn link(&self, i: u32) -> &Link {
        &self.links[i as usize]
    }

    fn link_mut(&mut self, i: u32) -> &mut Link {
        &mut self.links[i as usize]
    }

    /// The slot holding `key`.
    pub fn find(&self, key: &Key) -> Option<u32> {
        self.index.find(key.hash_value(), |&i| self.keys[i as usize] == *key).copied()
    }

    /// The slot holding the key of `version` and `id`.
    pub fn find_parts(&self, version: i32, id: &[u8]) -> Option<u32> {
        self.index.find(hash_of(version, id), |&i| self.keys[i as usize].is(version, id)).copied()
    }

    /// The session in slot `i`.
    pub fn session_at(&self, i: u32) -> Option<&Arc<Session>> {
        self.links.get(i as usize).and_then(|l| l.session.as_ref())
    }

    /// Whether slot `i` holds `session` itself.
    pub fn holds_at(&self, i: u32, session: &Session) -> bool {
        self.session_at(i).is_some_and(|s| std::ptr::eq(Arc::as_ptr(s), session))
    }

    /// Stores `session` under `key` (which must be absent), not yet in the expiry order;
    /// returns its slot.
    pub fn insert(&mut self, key: Key, session: Arc<Session>) -> u32 {
        let link = Link { session: Some(session), place: UNPLACED, prev: NIL, next: NIL };
        let i = match self.free {
            Some(i) => {
                self.free = match self.link(i).next {
                    NIL => None,
                    n => Some(n),
                };
                self.keys[i as usize] = key;
                self.links[i as usize] = link;
                i
            }
            None => {
                self.keys.push(key);
                self.links.push(link);
                (self.links.len() - 1) as u32
            }
        };
        let keys = &self.keys;
        self.index.insert_unique(key.hash_value(), i, |&j| keys[j as usize].hash_value());
        i
    }

    /// Takes the session stored under `key` out of the shard.
    pub fn remove(&mut self, key: &Key) -> Option<Arc<Session>> {
        let keys = &self.keys;
        let entry = self.index.find_entry(key.hash_value(), |&i| keys[i as usize] == *key).ok()?;
        let (i, _) = entry.remove();
        self.release(i)
    }

    /// Takes the session in slot `i` out of the shard.
    pub fn remove_at(&mut self, i: u32) -> Option<Arc<Session>> {
        let hash = self.keys[i as usize].hash_value();
        if let Ok(entry) = self.index.find_entry(hash, |&j| j == i) {
            entry.remove();
        }
        self.release(i)
    }

    /// Unlinks slot `i` (already out of the index) and frees it.
    fn release(&mut self, i: u32) -> Option<Arc<Session>> {
        self.unlink(i);
        let free_next = self.free.unwrap_or(NIL);
        let link = self.link_mut(i);
        let session = link.session.take();
        link.next = free_next;
        self.free = Some(i);
        session
    }

    /// Puts slot `i` at `place` in the expiry order (moving it if it was placed). Places must be
    /// handed out in increasing order within an expiry time.
    pub fn place_at(&mut self, i: u32, place: Place) {
        self.unlink(i);
        let bits = place >> SEQ_BITS;
        let list = self.order.entry(bits).or_insert(List { head: NIL, tail: NIL });
        let tail = list.tail;
        list.tail = i;
        if tail == NIL {
            list.head = i;
        } else {
            self.link_mut(tail).next = i;
        }
        let link = self.link_mut(i);
        link.place = place;
        link.prev = tail;
        link.next = NIL;
    }

    /// Whether slot `i` is in the expiry order.
    pub fn is_placed_at(&self, i: u32) -> bool {
        self.links.get(i as usize).is_some_and(|l| l.place != UNPLACED)
    }

    fn unlink(&mut self, i: u32) {
        let link = self.link_mut(i);
        let place = std::mem::replace(&mut link.place, UNPLACED);
        if place == UNPLACED {
            return;
        }
        let (prev, next) = (link.prev, link.next);
        link.prev = NIL;
        link.next = NIL;
        if prev != NIL {
            self.link_mut(prev).next = next;
        }
        if next != NIL {
            self.link_mut(next).prev = prev;
        }
        if prev != NIL && next != NIL {
            // Mid-list: the list's ends stay as they are.
            return;
        }
        let bits = place >> SEQ_BITS;
        if let Some(list) = self.order.get_mut(&bits) {
            if list.head == i {
                list.head = next;
            }
            if list.tail == i {
                list.tail = prev;
            }
            if list.head == NIL {
                self.order.remove(&bits);
            }
        }
    }

    /// The place of the session that expires first in this shard.
    pub fn first_place(&self) -> Option<Place> {
        let (_, list) = self.order.first_key_value()?;
        Some(self.link(list.head).place)
    }

    /// Takes out the session that expires first, with its place.
    pub fn pop_first(&mut self) -> Option<(Place, Arc<Session>)> {
        let (_, list) = self.order.first_key_value()?;
        let head = list.head;
        let place = self.link(head).place;
        Some((place, self.remove_at(head)?))
    }

    /// Takes out every session expired at `tm` (all when `tm` is 0), earliest first.
    pub fn pop_expired(&mut self, tm: i64, out: &mut Vec<(Place, Arc<Session>)>) {
        while let Some(place) = self.first_place() {
            if tm != 0 && !expiry_of(place).has_passed(tm) {
                break;
            }
            match self.pop_first() {
                Some(taken) => out.push(taken),
                None => break,
            }
        }
    }

    /// The placed sessions in expiry order, with their places.
    pub fn ordered(&self) -> Vec<(Place, Arc<Session>)> {
        let mut out = Vec::new();
        for list in self.order.values() {
            let mut i = list.head;
            while i != NIL {
                let link = self.link(i);
                if let Some(s) = &link.session {
                    out.push((link.place, Arc::clone(s)));
                }
                i = link.next;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! The shard alone, driven as the cache drives it: `insert`, then `place_at` with places
    //! whose placing number grows.
    use super::*;
    use crate::core::session::SessionId;
    use proptest::prelude::*;

    const V: i32 = 0x0303;

    fn key(id: &[u8]) -> Key {
        Key::new(V, SessionId::new(id).expect("an id of at most 32 bytes"))
    }

    fn session(id: &[u8]) -> Arc<Session> {
        let s = Session::new(0);
        s.set_version(V);
        s.set_id(id);
        s
    }

    fn tag(s: &Session) -> u8 {
        s.id().as_slice()[0]
    }

    fn at(time: i64) -> Expiry {
        Expiry::compute(time, 0)
    }

    impl Shard {
        /// The links themselves (the cache's model checks them too): each expiry's list runs
        /// from head to tail through `next` with `prev` pointing back, holds only live slots
        /// placed at that expiry and is not empty; every placed slot is in a list. Bounded, so
        /// a list broken into a loop is reported rather than followed forever.
        pub(crate) fn check_links(&self) -> Result<(), String> {
            let mut seen = 0;
            for (&bits, list) in &self.order {
                let (mut prev, mut i) = (NIL, list.head);
                if i == NIL {
                    return Err(format!("the list of expiry bits {bits:x} is empty"));
                }
                while i != NIL {
                    let link = self.links.get(i as usize).ok_or(format!("slot {i} is out of the slab"))?;
                    if link.prev != prev {
                        return Err(format!("slot {i}: prev is {} but slot {prev} comes before it", link.prev as i64));
                    }
                    if link.session.is_none() || link.place == UNPLACED || link.place >> SEQ_BITS != bits {
                        return Err(format!("slot {i} is in the list of {bits:x} but free or placed elsewhere"));
                    }
                    seen += 1;
                    if seen > self.links.len() {
                        return Err(format!("the list of {bits:x} loops"));
                    }
                    (prev, i) = (i, link.next);
                }
                if list.tail != prev {
                    return Err(format!(
                        "the list of {bits:x} ends at slot {prev}, its tail says {}",
                        list.tail as i64
                    ));
                }
            }
            let placed = self.links.iter().filter(|l| l.place != UNPLACED).count();
            if placed != seen {
                return Err(format!("{placed} slots are placed but {seen} are in lists"));
            }
            Ok(())
        }
    }

    /// A shard with the placing counter a cache would keep for it.
    #[derive(Default)]
    struct T {
        shard: Shard,
        seq: u64,
    }

    impl T {
        /// Stores a session with id `[tag]` and places it to expire at `time`; returns its slot.
        fn add(&mut self, tag: u8, time: i64) -> u32 {
            let slot = self.shard.insert(key(&[tag]), session(&[tag]));
            self.place(slot, time);
            slot
        }

        fn place(&mut self, slot: u32, time: i64) -> Place {
            self.seq += 1;
            let place = place_of(at(time), self.seq);
            self.shard.place_at(slot, place);
            place
        }

        fn slot(&self, tag: u8) -> u32 {
            self.shard.find(&key(&[tag])).unwrap_or_else(|| panic!("session {tag} should be in the shard"))
        }

        /// The tags in the shard's own order, checking that the places it reports grow along
        /// it and that `first_place` is its front.
        fn order(&self) -> Vec<u8> {
            if let Err(e) = self.shard.check_links() {
                panic!("broken links: {e}");
            }
            let ordered = self.shard.ordered();
            for w in ordered.windows(2) {
                assert!(w[0].0 < w[1].0, "ordered() goes backwards: {:x} before {:x}", w[0].0, w[1].0);
            }
            assert_eq!(
                self.shard.first_place(),
                ordered.first().map(|(p, _)| *p),
                "first_place is not the front of ordered()"
            );
            ordered.iter().map(|(_, s)| tag(s)).collect()
        }

        /// Pops everything, front first (bounded, so a broken list cannot loop forever).
        fn drain(&mut self) -> Vec<u8> {
            let mut out = Vec::new();
            let mut last = None;
            for _ in 0..=self.shard.links.len() {
                let Some((place, s)) = self.shard.pop_first() else { break };
                if let Err(e) = self.shard.check_links() {
                    panic!("broken links after popping {}: {e}", tag(&s));
                }
                assert!(last.is_none_or(|l| l < place), "pop_first went backwards at session {}", tag(&s));
                last = Some(place);
                out.push(tag(&s));
            }
            assert_eq!(self.shard.first_place(), None, "the shard should be empty after popping everything");
            out
        }
    }

    #[test]
    fn distinct_expiries_come_out_earliest_first() {
        let mut t = T::default();
        for (tag, time) in [(5, 50), (1, 10), (3, 30), (2, 20), (4, 40)] {
            t.add(tag, time);
        }
        assert_eq!(t.order(), [1, 2, 3, 4, 5], "sorted by expiry, whatever the placing order");
        let first = t.shard.first_place().unwrap();
        assert_eq!(expiry_of(first), at(10), "the front expires at 10");
        assert_eq!(t.drain(), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn equal_expiries_keep_placing_order() {
        let mut t = T::default();
        // Tags out of numeric order, so that an order by id would show.
        for (tag, time) in [(7, 10), (20, 30), (3, 10), (9, 5), (5, 10), (1, 30), (8, 10)] {
            t.add(tag, time);
        }
        assert_eq!(t.order(), [9, 7, 3, 5, 8, 20, 1], "ties must keep the order they were placed in");
        assert_eq!(t.drain(), [9, 7, 3, 5, 8, 20, 1], "pop_first must take ties earliest placed first");
    }

    #[test]
    fn removal_from_head_middle_and_tail_of_a_tie() {
        let ties = [1u8, 2, 3, 4];
        for (pos, &gone) in ties.iter().enumerate() {
            for by_slot in [false, true] {
                let how = if by_slot { "remove_at" } else { "remove" };
                let mut t = T::default();
                t.add(100, 5);
                for &tag in &ties {
                    t.add(tag, 10);
                }
                t.add(200, 20);
                let slot = t.slot(gone);
                let taken = if by_slot { t.shard.remove_at(slot) } else { t.shard.remove(&key(&[gone])) };
                assert_eq!(taken.map(|s| tag(&s)), Some(gone), "{how} of tie {pos} should hand back its session");
                assert!(t.shard.find(&key(&[gone])).is_none(), "{how} of tie {pos} left the key findable");
                assert!(!t.shard.is_placed_at(slot), "{how} of tie {pos} left the slot placed");
                let mut rest: Vec<u8> = ties.iter().copied().filter(|&x| x != gone).collect();
                let mut expected = [vec![100], rest.clone(), vec![200]].concat();
                assert_eq!(t.order(), expected, "order after {how} of tie {pos}");
                // The list must still link up: a new tie goes after the survivors.
                t.add(50, 10);
                rest.push(50);
                expected = [vec![100], rest, vec![200]].concat();
                assert_eq!(t.order(), expected, "a tie placed after {how} of tie {pos}");
                // Removing each survivor from the middle of what is left exercises the links
                // that the first removal rewired.
                let mid = expected[expected.len() / 2];
                t.shard.remove(&key(&[mid]));
                expected.retain(|&x| x != mid);
                assert_eq!(t.drain(), expected, "popping after {how} of tie {pos} and of {mid}");
            }
        }
    }

    #[test]
    fn removing_the_last_session_of_an_expiry_drops_that_time() {
        let mut t = T::default();
        t.add(1, 10);
        t.add(2, 20);
        t.shard.remove(&key(&[1]));
        assert_eq!(t.shard.first_place().map(expiry_of), Some(at(20)), "the front moves on to the next expiry");
        t.add(3, 10);
        assert_eq!(t.order(), [3, 2], "expiry 10 can be used again after it emptied");
        t.shard.remove(&key(&[2]));
        t.shard.remove(&key(&[3]));
        assert!(t.shard.order.is_empty(), "no empty expiry lists are left behind");
        assert_eq!(t.shard.first_place(), None);
    }

    #[test]
    fn re_placing_moves_a_session() {
        let mut t = T::default();
        for (tag, time) in [(1, 10), (2, 10), (3, 10), (4, 20), (5, 20)] {
            t.add(tag, time);
        }
        let s1 = t.slot(1);
        t.place(s1, 10);
        assert_eq!(t.order(), [2, 3, 1, 4, 5], "re-placed at the same expiry, the head goes behind its ties");
        let s3 = t.slot(3);
        t.place(s3, 20);
        assert_eq!(t.order(), [2, 1, 4, 5, 3], "the middle of 10 moves to the tail of 20");
        let s5 = t.slot(5);
        t.place(s5, 5);
        assert_eq!(t.order(), [5, 2, 1, 4, 3], "a mid-list session moves to an earlier expiry");
        let s3 = t.slot(3);
        t.place(s3, 1);
        assert_eq!(t.order(), [3, 5, 2, 1, 4], "the tail moves to the front");
        for tag in [1, 2, 3, 4, 5] {
            assert!(t.shard.is_placed_at(t.slot(tag)), "session {tag} stays placed and findable");
        }
        assert_eq!(t.drain(), [3, 5, 2, 1, 4]);
    }

    #[test]
    fn inserted_sessions_wait_out_of_order_until_placed() {
        let mut t = T::default();
        t.add(1, 10);
        let s = session(&[2]);
        let slot = t.shard.insert(key(&[2]), Arc::clone(&s));
        assert_eq!(t.shard.find(&key(&[2])), Some(slot), "an unplaced session is findable");
        assert_eq!(t.shard.find_parts(V, &[2]), Some(slot));
        assert!(t.shard.holds_at(slot, &s));
        assert!(!t.shard.is_placed_at(slot), "insert does not place");
        assert_eq!(t.order(), [1], "an unplaced session is not in the order");
        let mut out = Vec::new();
        t.shard.pop_expired(0, &mut out);
        assert_eq!(out.iter().map(|(_, s)| tag(s)).collect::<Vec<_>>(), [1], "a full flush skips the unplaced one");
        assert!(t.shard.pop_first().is_none(), "pop_first never takes an unplaced session");
        assert_eq!(t.shard.find(&key(&[2])), Some(slot), "the unplaced session is still stored");
        t.place(slot, 3);
        t.add(3, 3);
        assert_eq!(t.order(), [2, 3], "placed later, it takes its place like any other");
        assert_eq!(t.shard.remove_at(slot).map(|s| tag(&s)), Some(2));
        let slot4 = t.shard.insert(key(&[4]), session(&[4]));
        assert_eq!(t.shard.remove(&key(&[4])).map(|s| tag(&s)), Some(4), "an unplaced session can be removed");
        assert!(!t.shard.is_placed_at(slot4));
        assert_eq!(t.order(), [3]);
    }

    #[test]
    fn pop_expired_is_strict_and_zero_takes_all() {
        let mut t = T::default();
        for (tag, time) in [(3, 20), (1, 10), (2, 10), (4, 30)] {
            t.add(tag, time);
        }
        let popped = |t: &mut T, tm| {
            let mut out = Vec::new();
            t.shard.pop_expired(tm, &mut out);
            for w in out.windows(2) {
                assert!(w[0].0 < w[1].0, "pop_expired({tm}) went backwards");
            }
            out.iter().map(|(_, s)| tag(s)).collect::<Vec<u8>>()
        };
        assert_eq!(popped(&mut t, 10), [] as [u8; 0], "a session expiring at 10 has not expired at 10");
        assert_eq!(popped(&mut t, 11), [1, 2], "both of expiry 10, in placing order");
        assert_eq!(t.order(), [3, 4]);
        assert_eq!(popped(&mut t, 0), [3, 4], "0 takes everything");
        assert!(t.shard.find(&key(&[3])).is_none(), "popped sessions leave the index");
    }

    #[test]
    fn overflowed_expiry_sorts_last_and_never_expires() {
        let mut t = T::default();
        let slot = t.shard.insert(key(&[1]), session(&[1]));
        let never = Expiry::compute(i64::MAX - 5, 10);
        t.seq += 1;
        t.shard.place_at(slot, place_of(never, t.seq));
        t.add(2, i64::MAX);
        t.add(3, 0);
        assert_eq!(t.order(), [3, 2, 1], "an overflowed expiry sorts after every time");
        let mut out = Vec::new();
        t.shard.pop_expired(i64::MAX, &mut out);
        assert_eq!(out.iter().map(|(_, s)| tag(s)).collect::<Vec<_>>(), [3], "only the past one at i64::MAX");
        assert_eq!(t.drain(), [2, 1]);
    }

    #[test]
    fn freed_slots_are_reused_and_forget_their_session() {
        let mut t = T::default();
        let s1 = t.add(1, 10);
        let s2 = t.add(2, 10);
        let old = t.shard.session_at(s1).cloned().unwrap();
        t.shard.remove(&key(&[1]));
        t.shard.remove(&key(&[2]));
        assert!(t.shard.session_at(s1).is_none() && !t.shard.holds_at(s1, &old), "a freed slot holds nothing");
        let s3 = t.add(3, 10);
        let s4 = t.add(4, 10);
        let s5 = t.add(5, 10);
        assert_eq!((s3, s4), (s2, s1), "freed slots are reused, last freed first");
        assert_eq!(s5 as usize, 2, "a new slot once the free ones are used");
        assert!(t.shard.find(&key(&[1])).is_none() && t.shard.find(&key(&[2])).is_none(), "old keys stay gone");
        assert_eq!(t.shard.find(&key(&[3])), Some(s3));
        assert_eq!(t.order(), [3, 4, 5]);
    }

    #[test]
    fn keys_with_one_hash_are_told_apart() {
        // The hash reads the length and the first 8 bytes: these differ only further on.
        let a = [7u8; 32];
        let mut b = a;
        b[20] = 8;
        let mut c = a;
        c[31] = 9;
        assert_eq!(key(&a).hash_value(), key(&b).hash_value(), "the test needs a hash collision");
        assert_eq!(key(&a).hash_value(), key(&c).hash_value(), "the test needs a hash collision");
        let mut t = T::default();
        let (sa, sb, sc) = (session(&a), session(&b), session(&c));
        let other_version = Key::new(0x0304, SessionId::new(&a).unwrap());
        let ia = t.shard.insert(key(&a), Arc::clone(&sa));
        let ib = t.shard.insert(key(&b), Arc::clone(&sb));
        let ic = t.shard.insert(key(&c), Arc::clone(&sc));
        let iv = t.shard.insert(other_version, session(&a));
        for (i, slot) in [ia, ib, ic, iv].into_iter().enumerate() {
            t.place(slot, 10);
            assert_eq!(t.shard.order.len(), 1, "entry {i}: one expiry list");
        }
        assert_eq!(t.shard.find(&key(&a)), Some(ia));
        assert_eq!(t.shard.find(&key(&b)), Some(ib));
        assert_eq!(t.shard.find_parts(V, &c), Some(ic));
        assert_eq!(t.shard.find_parts(0x0304, &a), Some(iv), "the version is part of the key");
        assert!(t.shard.find_parts(V, &a[..31]).is_none(), "a prefix is another id");
        assert!(Arc::ptr_eq(t.shard.remove(&key(&b)).as_ref().unwrap(), &sb));
        assert_eq!(t.shard.find(&key(&a)), Some(ia), "removing b keeps a");
        assert_eq!(t.shard.find(&key(&c)), Some(ic), "removing b keeps c");
        assert!(Arc::ptr_eq(t.shard.remove_at(ia).as_ref().unwrap(), &sa));
        assert_eq!(t.shard.find(&key(&c)), Some(ic), "remove_at(a) takes a, not c");
        assert!(t.shard.find(&key(&a)).is_none());
        assert_eq!(t.shard.find(&other_version), Some(iv));
        assert!(t.shard.holds_at(ic, &sc) && !t.shard.holds_at(ic, &sa), "holds_at compares objects");
    }

    /// One step on a shard of at most 8 keys (tags 4..8 share their hash).
    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8),
        Place(u8, i64),
        Remove(u8),
        RemoveAt(u8),
        PopFirst,
        PopExpired(i64),
    }

    fn id_of(tag: u8) -> Vec<u8> {
        if tag < 4 {
            vec![tag]
        } else {
            let mut id = vec![1u8; 32];
            id[20] = tag;
            id
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..8).prop_map(Op::Insert),
            4 => (0u8..8, 0i64..5).prop_map(|(k, t)| Op::Place(k, t)),
            1 => (0u8..8).prop_map(Op::Remove),
            1 => (0u8..8).prop_map(Op::RemoveAt),
            1 => Just(Op::PopFirst),
            1 => (0i64..6).prop_map(Op::PopExpired),
        ]
    }

    type Model = std::collections::BTreeMap<u8, (u32, Arc<Session>, Option<(i64, u64)>)>;

    /// The shard against a list kept sorted by (expiry, placing number).
    fn check_ops(ops: &[Op]) -> Result<(), TestCaseError> {
        let mut shard = Shard::default();
        let mut seq = 0u64;
        // tag → (slot, session, placed as (expiry time, seq)).
        let mut model = Model::default();
        let sorted = |m: &Model| {
            let mut v: Vec<(i64, u64, u8)> = m.iter().filter_map(|(&k, (_, _, p))| p.map(|(t, n)| (t, n, k))).collect();
            v.sort();
            v
        };
        // The tag back from the id: the one byte, or byte 20 of the long ids.
        let tag_of = |s: &Session| {
            let id = s.id();
            let id = id.as_slice();
            if id.len() == 1 { id[0] } else { id[20] }
        };
        for op in ops {
            match *op {
                Op::Insert(k) => {
                    // `insert` wants an absent key, as the cache guarantees.
                    if let std::collections::btree_map::Entry::Vacant(e) = model.entry(k) {
                        let s = session(&id_of(k));
                        let slot = shard.insert(key(&id_of(k)), Arc::clone(&s));
                        e.insert((slot, s, None));
                    }
                }
                Op::Place(k, t) => {
                    if let Some((slot, _, placed)) = model.get_mut(&k) {
                        seq += 1;
                        shard.place_at(*slot, place_of(at(t), seq));
                        *placed = Some((t, seq));
                    }
                }
                Op::Remove(k) => {
                    let got = shard.remove(&key(&id_of(k)));
                    let want = model.remove(&k);
                    prop_assert_eq!(got.is_some(), want.is_some(), "remove({}) found the wrong thing", k);
                    if let (Some(g), Some((_, w, _))) = (got, want) {
                        prop_assert!(Arc::ptr_eq(&g, &w), "remove({}) returned another session", k);
                    }
                }
                Op::RemoveAt(k) => {
                    if let Some((slot, w, _)) = model.remove(&k) {
                        let got = shard.remove_at(slot);
                        prop_assert!(
                            got.is_some_and(|g| Arc::ptr_eq(&g, &w)),
                            "remove_at({}) returned another session",
                            k
                        );
                    }
                }
                Op::PopFirst => {
                    let want = sorted(&model).first().copied();
                    let got = shard.pop_first();
                    prop_assert_eq!(
                        got.as_ref().map(|(p, s)| (*p, tag_of(s))),
                        want.map(|(t, n, k)| (place_of(at(t), n), k)),
                        "pop_first must take the earliest expiry, earliest placed"
                    );
                    if let Some((_, _, k)) = want {
                        model.remove(&k);
                    }
                }
                Op::PopExpired(tm) => {
                    let want: Vec<u8> =
                        sorted(&model).into_iter().filter(|&(t, _, _)| tm == 0 || tm > t).map(|(_, _, k)| k).collect();
                    let mut out = Vec::new();
                    shard.pop_expired(tm, &mut out);
                    let got: Vec<u8> = out.iter().map(|(_, s)| tag_of(s)).collect();
                    prop_assert_eq!(&got, &want, "pop_expired({}) must take the expired, earliest first", tm);
                    for k in want {
                        model.remove(&k);
                    }
                }
            }
            if let Err(e) = shard.check_links() {
                prop_assert!(false, "broken links after {:?}: {}", op, e);
            }
            let want: Vec<u8> = sorted(&model).into_iter().map(|(_, _, k)| k).collect();
            let ordered = shard.ordered();
            let got: Vec<u8> = ordered.iter().map(|(_, s)| tag_of(s)).collect();
            prop_assert_eq!(&got, &want, "the shard's order after {:?}", op);
            prop_assert!(ordered.windows(2).all(|w| w[0].0 < w[1].0), "places go backwards after {:?}", op);
            prop_assert_eq!(shard.first_place(), ordered.first().map(|(p, _)| *p), "first_place after {:?}", op);
            for k in 0u8..8 {
                let found = shard.find(&key(&id_of(k)));
                prop_assert_eq!(found, model.get(&k).map(|(slot, _, _)| *slot), "find({}) after {:?}", k, op);
                prop_assert_eq!(shard.find_parts(V, &id_of(k)), found, "find_parts({}) after {:?}", k, op);
                if let Some((slot, s, placed)) = model.get(&k) {
                    prop_assert!(shard.holds_at(*slot, s), "slot of {} holds another session after {:?}", k, op);
                    prop_assert_eq!(shard.is_placed_at(*slot), placed.is_some(), "is_placed_at({}) after {:?}", k, op);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn matches_a_sorted_list(ops in proptest::collection::vec(op(), 1..60)) {
            check_ops(&ops)?;
        }
    }
}
