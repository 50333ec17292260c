// libcrypto's error functions, used by the drop-in libssl.so.3 (feature `libcrypto-errors`).
use libc::{c_char, c_int, c_ulong};

unsafe extern "C" {
    pub fn ERR_new();
    pub fn ERR_set_error(lib: c_int, reason: c_int, fmt: *const c_char, ...);
    pub fn ERR_peek_error() -> c_ulong;
}
