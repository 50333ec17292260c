//! Session tickets under the application's keys: `SSL_CTX_set_tlsext_ticket_key_cb`.

use libc::{c_int, c_long, c_uchar, c_void};

use super::callbacks::restore;
use super::ctx::c_callbacks;
use crate::state::ctx::Ctx;

/// `int cb(SSL *s, unsigned char key_name[16], unsigned char iv[16], EVP_CIPHER_CTX *ctx,
/// HMAC_CTX *hctx, int enc)`.
pub(crate) type TicketKeyCb = unsafe extern "C" fn(
    *mut super::boundary::SSL,
    *mut c_uchar,
    *mut c_uchar,
    *mut c_void,
    *mut c_void,
    c_int,
) -> c_int;

/// Installs (or clears) the ticket-key callback: 1.
pub(crate) fn set_ticket_key_cb(ctx: &Ctx, fp: Option<unsafe extern "C" fn()>) -> Option<c_long> {
    // SAFETY: for this command `fp` is a ticket-key callback (the caller's promise).
    let cb = fp.map(|f| unsafe { restore::<TicketKeyCb>(f) });
    c_callbacks(ctx)?.handshake.write().ticket_key = cb;
    Some(1)
}
