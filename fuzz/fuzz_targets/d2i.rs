//! `d2i_SSL_SESSION` through the C entry point, on bytes another process could have written:
//! never a crash or leak; what decodes re-encodes to bytes that decode to the same session;
//! `*pp` moves by what was read and stays put on failure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesscache::ffi::session::{SSL_SESSION_free, d2i_SSL_SESSION, i2d_SSL_SESSION};

fuzz_target!(|data: &[u8]| {
    let mut p = data.as_ptr();
    // SAFETY: `p` points to `data.len()` readable bytes.
    let s = unsafe { d2i_SSL_SESSION(std::ptr::null_mut(), &mut p, data.len() as libc::c_long) };
    if s.is_null() {
        assert_eq!(p, data.as_ptr(), "*pp moved on failure");
        return;
    }
    let used = p as usize - data.as_ptr() as usize;
    assert!(used <= data.len());
    // SAFETY: `s` is a live session; the buffer is sized by the first call.
    unsafe {
        let n = i2d_SSL_SESSION(s, std::ptr::null_mut());
        assert!(n > 0, "a decoded session has a cipher, so it encodes");
        let mut out = vec![0u8; n as usize];
        let mut q = out.as_mut_ptr();
        assert_eq!(i2d_SSL_SESSION(s, &mut q), n);
        let mut r = out.as_ptr();
        let again = d2i_SSL_SESSION(std::ptr::null_mut(), &mut r, n as libc::c_long);
        assert!(!again.is_null(), "our own encoding decodes");
        let m = i2d_SSL_SESSION(again, std::ptr::null_mut());
        let mut out2 = vec![0u8; m as usize];
        let mut q2 = out2.as_mut_ptr();
        i2d_SSL_SESSION(again, &mut q2);
        assert_eq!(out, out2, "encode(decode(encode(x))) is stable");
        SSL_SESSION_free(again);
        SSL_SESSION_free(s);
    }
});
