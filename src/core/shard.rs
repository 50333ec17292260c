//! One shard of a cache: its sessions in a slab, an index from key to slab slot, and the expiry
//! order as a list per expiry time (in placing order) under an ordered map of expiry times.
//! Placing and unlinking are O(1) once the expiry time has its list, which is the usual case:
//! sessions of one context mostly share their timeout and arrive in time order.

use hashbrown::HashTable;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::cache::Key;
use super::session::{Expiry, Session};

const NIL: u32 = u32::MAX;

/// Position in the cache-wide expiry order: the expiry's order bits above a cache-wide placing
/// number, in one integer.
pub type Place = u128;

const SEQ_BITS: u32 = 63;

pub fn place_of(expiry: Expiry, seq: u64) -> Place {
    (expiry.order_bits() << SEQ_BITS) | u128::from(seq & ((1 << SEQ_BITS) - 1))
}

fn expiry_of(place: Place) -> Expiry {
    Expiry::from_order_bits(place >> SEQ_BITS)
}

struct Slot {
    key: Key,
    /// `None` for a free slot.
    session: Option<Arc<Session>>,
    /// `Some` while linked into the expiry order.
    place: Option<Place>,
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
    slots: Vec<Slot>,
    /// Free slots, linked through `next`.
    free: Option<u32>,
    /// Expiry order bits → the sessions with that expiry, earliest placed first.
    order: BTreeMap<u128, List>,
}

fn hash(key: &Key) -> u64 {
    key.hash_value()
}

impl Shard {
    fn slot(&self, i: u32) -> &Slot {
        &self.slots[i as usize]
    }

    fn slot_mut(&mut self, i: u32) -> &mut Slot {
        &mut self.slots[i as usize]
    }

    /// The slot holding `key`.
    pub fn find(&self, key: &Key) -> Option<u32> {
        self.index.find(hash(key), |&i| self.slots[i as usize].key == *key).copied()
    }

    /// The session stored under `key`.
    pub fn get(&self, key: &Key) -> Option<&Arc<Session>> {
        self.find(key).and_then(|i| self.slot(i).session.as_ref())
    }

    pub fn contains(&self, key: &Key) -> bool {
        self.find(key).is_some()
    }

    /// Whether `session` itself is stored under `key` (not another object with that key).
    pub fn holds(&self, key: &Key, session: &Session) -> bool {
        self.get(key).is_some_and(|s| std::ptr::eq(Arc::as_ptr(s), session))
    }

    /// The session in slot `i`.
    pub fn session_at(&self, i: u32) -> Option<&Arc<Session>> {
        self.slot(i).session.as_ref()
    }

    /// Stores `session` under `key` (which must be absent), not yet in the expiry order;
    /// returns its slot.
    pub fn insert(&mut self, key: Key, session: Arc<Session>) -> u32 {
        let slot = Slot { key, session: Some(session), place: None, prev: NIL, next: NIL };
        let i = match self.free {
            Some(i) => {
                self.free = match self.slot(i).next {
                    NIL => None,
                    n => Some(n),
                };
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let slots = &self.slots;
        self.index.insert_unique(hash(&key), i, |&j| hash(&slots[j as usize].key));
        i
    }

    /// Takes the session stored under `key` out of the shard.
    pub fn remove(&mut self, key: &Key) -> Option<Arc<Session>> {
        let i = self.find(key)?;
        self.remove_at(i)
    }

    /// Takes the session in slot `i` out of the shard.
    pub fn remove_at(&mut self, i: u32) -> Option<Arc<Session>> {
        self.unlink(i);
        let key = self.slot(i).key;
        if let Ok(entry) = self.index.find_entry(hash(&key), |&j| j == i) {
            entry.remove();
        }
        let free_next = self.free.unwrap_or(NIL);
        let slot = self.slot_mut(i);
        let session = slot.session.take();
        slot.next = free_next;
        self.free = Some(i);
        session
    }

    /// Puts the session stored under `key` at `place` in the expiry order (moving it if it was
    /// placed). Places must be handed out in increasing order within an expiry time.
    pub fn place(&mut self, key: &Key, place: Place) {
        if let Some(i) = self.find(key) {
            self.place_at(i, place);
        }
    }

    /// `place` for slot `i`.
    pub fn place_at(&mut self, i: u32, place: Place) {
        self.unlink(i);
        let bits = place >> SEQ_BITS;
        let list = self.order.entry(bits).or_insert(List { head: NIL, tail: NIL });
        let tail = list.tail;
        list.tail = i;
        if tail == NIL {
            list.head = i;
        }
        if tail != NIL {
            self.slot_mut(tail).next = i;
        }
        let slot = self.slot_mut(i);
        slot.place = Some(place);
        slot.prev = tail;
        slot.next = NIL;
    }

    /// Whether the session under `key` is in the expiry order.
    pub fn is_placed(&self, key: &Key) -> bool {
        self.find(key).is_some_and(|i| self.slot(i).place.is_some())
    }

    fn unlink(&mut self, i: u32) {
        let Some(place) = self.slot_mut(i).place.take() else { return };
        let (prev, next) = (self.slot(i).prev, self.slot(i).next);
        if prev != NIL {
            self.slot_mut(prev).next = next;
        }
        if next != NIL {
            self.slot_mut(next).prev = prev;
        }
        let bits = place >> SEQ_BITS;
        let emptied = match self.order.get_mut(&bits) {
            Some(list) => {
                if list.head == i {
                    list.head = next;
                }
                if list.tail == i {
                    list.tail = prev;
                }
                list.head == NIL
            }
            None => false,
        };
        if emptied {
            self.order.remove(&bits);
        }
        let slot = self.slot_mut(i);
        slot.prev = NIL;
        slot.next = NIL;
    }

    /// The place of the session that expires first in this shard.
    pub fn first_place(&self) -> Option<Place> {
        let (_, list) = self.order.first_key_value()?;
        self.slot(list.head).place
    }

    /// Takes out the session that expires first, with its place.
    pub fn pop_first(&mut self) -> Option<(Place, Arc<Session>)> {
        let place = self.first_place()?;
        let (_, list) = self.order.first_key_value()?;
        let key = self.slot(list.head).key;
        Some((place, self.remove(&key)?))
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
                let slot = self.slot(i);
                if let (Some(place), Some(s)) = (slot.place, &slot.session) {
                    out.push((place, Arc::clone(s)));
                }
                i = slot.next;
            }
        }
        out
    }
}
