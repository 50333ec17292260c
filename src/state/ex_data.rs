//! The ex_data slots of one object (`SSL_CTX`, `SSL`): the application's values, kept as
//! addresses; the index registry and its callbacks belong to the C layer.

use parking_lot::Mutex;

/// The slots of one object; an unset slot reads 0.
#[derive(Default)]
pub struct ExData {
    slots: Mutex<Vec<usize>>,
}

impl ExData {
    pub fn set(&self, idx: usize, value: usize) {
        let mut slots = self.slots.lock();
        if slots.len() <= idx {
            slots.resize(idx + 1, 0);
        }
        slots[idx] = value;
    }

    pub fn get(&self, idx: usize) -> usize {
        self.slots.lock().get(idx).copied().unwrap_or(0)
    }

    pub fn clear(&self) {
        self.slots.lock().clear();
    }
}
