//! ALPN: the protocols a client offers, and the one a connection negotiated.

use libc::{c_int, c_uchar, c_uint};

use super::boundary::{SSL, SSL_CTX, ffi_boundary, write_out};
use crate::state::settings::ConnSettings;

/// OpenSSL's check of a wire-format list: non-empty names, lengths that fit.
fn well_formed(list: &[u8]) -> bool {
    let mut rest = list;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n);
        if n == 0 || tail.len() < n {
            return false;
        }
        rest = &tail[n..];
    }
    true
}

/// `SSL_CTX_set_alpn_protos`'s rule; note OpenSSL's inverted result: 0 on success.
fn set_protos(settings: &mut ConnSettings, list: &[u8]) -> c_int {
    if list.is_empty() {
        settings.alpn_protos = None;
        return 0;
    }
    if !well_formed(list) {
        return 1;
    }
    settings.alpn_protos = Some(list.into());
    0
}

/// Sets the protocols a client offers (wire format: length-prefixed names, "\x02h2\x08http/1.1");
/// an empty list or NULL offers none. Returns **0 on success** and 1 for a malformed list, as
/// OpenSSL.
///
/// # Safety
/// `ctx` is NULL or a live context; `protos` is NULL or has `protos_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_alpn_protos(
    ctx: *mut SSL_CTX,
    protos: *const c_uchar,
    protos_len: c_uint,
) -> c_int {
    let len = if protos.is_null() { 0 } else { protos_len };
    ffi_boundary!(1, |ctx, protos: bytes(len)| Some(set_protos(&mut ctx.tls.write().conn, protos)))
}

/// As `SSL_CTX_set_alpn_protos`, for this connection (0 on success).
///
/// # Safety
/// `s` is NULL or a live connection; `protos` is NULL or has `protos_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_alpn_protos(s: *mut SSL, protos: *const c_uchar, protos_len: c_uint) -> c_int {
    let len = if protos.is_null() { 0 } else { protos_len };
    ffi_boundary!(1, |s, protos: bytes(len)| Some(s.update_settings(|c| set_protos(c, protos))))
}

/// The protocol the handshake chose (lent: valid until `SSL_clear` or `SSL_free`) and its
/// length; NULL and 0 if none.
///
/// # Safety
/// `s` is NULL or a live connection; `data` and `len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get0_alpn_selected(s: *const SSL, data: *mut *const c_uchar, len: *mut c_uint) {
    ffi_boundary!((), |s: Option| {
        let st = s.as_ref().map(|s| s.state.lock());
        let chosen = st.as_ref().and_then(|st| st.alpn_selected.as_ref());
        let (p, n) = chosen.map_or((std::ptr::null(), 0), |a| (a.as_ptr(), a.len() as c_uint));
        // SAFETY: writable (this function's contract).
        unsafe {
            write_out(data, p);
            write_out(len, n);
        }
        Some(())
    })
}
