//! The ex_data slots of one object (`SSL_CTX`, `SSL`): the application's values, kept as
//! addresses; the index registry and its callbacks belong to the C layer. The drop-in keeps
//! them in libcrypto's `CRYPTO_EX_DATA`, whose registry a program built against OpenSSL's headers
//! uses (`SSL_CTX_get_ex_new_index` is a macro over `CRYPTO_get_ex_new_index` there).

#[cfg(not(feature = "libcrypto"))]
use parking_lot::Mutex;

#[cfg(feature = "libcrypto")]
pub use with_libcrypto::ExData;

#[cfg(feature = "libcrypto")]
mod with_libcrypto {
    use std::cell::UnsafeCell;

    use crate::sys::libcrypto as c;

    /// libcrypto's `CRYPTO_EX_DATA` (`{ OSSL_LIB_CTX *ctx; STACK_OF(void) *sk; }`), zeroed
    /// until `CRYPTO_new_ex_data` fills it.
    #[derive(Default)]
    pub struct ExData {
        ad: UnsafeCell<[usize; 2]>,
    }

    // SAFETY: libcrypto owns the contents; as with OpenSSL, one object's ex_data is not set from
    // two threads at once (the application's rule), and reads go through libcrypto.
    unsafe impl Sync for ExData {}
    // SAFETY: as above; the contents are plain pointers libcrypto manages.
    unsafe impl Send for ExData {}

    impl ExData {
        /// The `CRYPTO_EX_DATA *` for libcrypto's ex_data functions.
        pub fn as_ptr(&self) -> *mut c::CRYPTO_EX_DATA {
            self.ad.get().cast()
        }

        /// Stores `value` at `idx`: false if libcrypto refuses.
        pub fn set(&self, idx: usize, value: usize) -> bool {
            let Ok(idx) = libc::c_int::try_from(idx) else { return false };
            // SAFETY: our CRYPTO_EX_DATA, made by CRYPTO_new_ex_data (or zeroed, which libcrypto
            // accepts and grows).
            unsafe { c::CRYPTO_set_ex_data(self.as_ptr(), idx, value as *mut libc::c_void) == 1 }
        }

        pub fn get(&self, idx: usize) -> usize {
            let Ok(idx) = libc::c_int::try_from(idx) else { return 0 };
            // SAFETY: as for `set`.
            unsafe { c::CRYPTO_get_ex_data(self.as_ptr(), idx) as usize }
        }
    }
}

/// The slots of one object; an unset slot reads 0.
#[cfg(not(feature = "libcrypto"))]
#[derive(Default)]
pub struct ExData {
    slots: Mutex<Vec<usize>>,
}

#[cfg(not(feature = "libcrypto"))]
impl ExData {
    pub fn set(&self, idx: usize, value: usize) -> bool {
        let mut slots = self.slots.lock();
        if slots.len() <= idx {
            slots.resize(idx + 1, 0);
        }
        slots[idx] = value;
        true
    }

    pub fn get(&self, idx: usize) -> usize {
        self.slots.lock().get(idx).copied().unwrap_or(0)
    }

    pub fn clear(&self) {
        self.slots.lock().clear();
    }
}
