//! Objects the C layer keeps for as long as a context or connection lives (the libcrypto objects
//! that `get0` calls lend out, so that their pointers stay valid); this layer never looks into
//! them.

use std::any::Any;

use parking_lot::Mutex;

#[derive(Default)]
pub struct Attachments(Mutex<Vec<Box<dyn Any + Send>>>);

impl Attachments {
    /// Runs `f` on the attached `T`, made with `Default` on first use. No callback may run
    /// inside `f` (the lock is held).
    pub fn with<T: Any + Send + Default, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut all = self.0.lock();
        let i = match all.iter().position(|b| b.is::<T>()) {
            Some(i) => i,
            None => {
                all.push(Box::new(T::default()));
                all.len() - 1
            }
        };
        f(all[i].downcast_mut::<T>().expect("found by type"))
    }

    /// Drops every attached object (at the owner's teardown, before its memory goes).
    pub fn clear(&self) {
        let all = std::mem::take(&mut *self.0.lock());
        drop(all);
    }
}
