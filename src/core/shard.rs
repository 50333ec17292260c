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
