//! rustls 0.23.46's hook call sequences (`../shared/RUSTLS-MAP.md` §2), pinned: each handshake
//! kind must call the session store, ticketer and client store exactly as often as recorded
//! there, so that a rustls upgrade which changes them fails here before it changes callback
//! counts. Real handshakes over socketpairs, through the C API.

use std::ffi::CString;
use std::ptr::null_mut;

use libc::c_int;
use sesscache::ffi::boundary::{SSL_CTX, SSL_SESSION, borrow};
use sesscache::ffi::cert::*;
use sesscache::ffi::ctrl::*;
use sesscache::ffi::ctx::*;
use sesscache::ffi::io::*;
use sesscache::ffi::options::*;
use sesscache::ffi::session::*;
use sesscache::ffi::ssl::*;
use sesscache::tls::hooks::trace::{self, Calls};

const OP_NO_TICKET: u64 = 1 << 14;
const SET_MAX_PROTO: c_int = 124;
const TLS1_2: libc::c_long = 0x0303;

fn certs() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-certs");
    let status = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ctests/make_certs.sh"))
        .arg(dir)
        .status()
        .expect("run ctests/make_certs.sh (needs the openssl command)");
    assert!(status.success(), "making test certificates failed");
    dir.to_string()
}

struct Setup {
    server: *mut SSL_CTX,
    client: *mut SSL_CTX,
}

impl Setup {
    /// A server context (tickets on or off, TLS 1.2 only or not) and a client context.
    fn new(dir: &str, tickets: bool, tls12_only: bool) -> Setup {
        let chain = CString::new(format!("{dir}/chain.pem")).unwrap();
        let key = CString::new(format!("{dir}/server.key")).unwrap();
        // SAFETY: plain C API use on objects this test owns.
        unsafe {
            let server = SSL_CTX_new(TLS_server_method());
            assert_eq!(SSL_CTX_use_certificate_chain_file(server, chain.as_ptr()), 1);
            assert_eq!(SSL_CTX_use_PrivateKey_file(server, key.as_ptr(), 1), 1);
            SSL_CTX_set_session_id_context(server, b"seq".as_ptr(), 3);
            if !tickets {
                SSL_CTX_set_options(server, OP_NO_TICKET);
            }
            if tls12_only {
                SSL_CTX_ctrl(server, SET_MAX_PROTO, TLS1_2, null_mut());
            }
            let client = SSL_CTX_new(TLS_client_method());
            Setup { server, client }
        }
    }

    /// One connection; returns the server and client hook counts separately, whether it
    /// resumed, and the client's session afterwards.
    fn connect(&self, offer: *mut SSL_SESSION) -> (Calls, Calls, bool, *mut SSL_SESSION) {
        let mut fds = [0 as c_int; 2];
        // SAFETY: plain libc and C API use on objects this test owns.
        unsafe {
            assert_eq!(libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()), 0);
            for fd in fds {
                libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK);
            }
            let c = SSL_new(self.client);
            let s = SSL_new(self.server);
            SSL_set_fd(c, fds[0]);
            SSL_set_fd(s, fds[1]);
            SSL_set_connect_state(c);
            SSL_set_accept_state(s);
            if !offer.is_null() {
                SSL_set_session(c, offer);
            }
            trace::take();
            let (mut server_calls, mut client_calls) = (Calls::default(), Calls::default());
            let add = |into: &mut Calls| {
                let t = trace::take();
                into.can_cache += t.can_cache;
                into.put += t.put;
                into.get += t.get;
                into.take += t.take;
                into.encrypt += t.encrypt;
                into.decrypt += t.decrypt;
                into.set_tls12_session += t.set_tls12_session;
                into.tls12_session += t.tls12_session;
                into.insert_tls13_ticket += t.insert_tls13_ticket;
                into.take_tls13_ticket += t.take_tls13_ticket;
            };
            let (mut cd, mut sd) = (0, 0);
            for _ in 0..100 {
                if cd != 1 {
                    cd = SSL_do_handshake(c);
                    add(&mut client_calls);
                }
                if sd != 1 {
                    sd = SSL_do_handshake(s);
                    add(&mut server_calls);
                }
                if cd == 1 && sd == 1 {
                    break;
                }
            }
            assert!(cd == 1 && sd == 1, "handshake did not finish");
            // One byte each way: TLS 1.3 tickets reach the client while it reads.
            let mut b = [b'x'];
            assert_eq!(SSL_write(c, b.as_ptr().cast(), 1), 1);
            assert_eq!(SSL_write(s, b.as_ptr().cast(), 1), 1);
            add(&mut server_calls);
            for _ in 0..10 {
                if SSL_read(s, b.as_mut_ptr().cast(), 1) == 1 {
                    break;
                }
            }
            add(&mut server_calls);
            for _ in 0..10 {
                if SSL_read(c, b.as_mut_ptr().cast(), 1) == 1 {
                    break;
                }
            }
            add(&mut client_calls);
            let reused = SSL_session_reused(s) == 1;
            let session = SSL_get1_session(c);
            SSL_shutdown(c);
            SSL_shutdown(s);
            SSL_free(c);
            SSL_free(s);
            libc::close(fds[0]);
            libc::close(fds[1]);
            (server_calls, client_calls, reused, session)
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        // SAFETY: the setup owns one reference to each.
        unsafe {
            SSL_CTX_free(self.server);
            SSL_CTX_free(self.client);
        }
    }
}

fn calls(f: impl FnOnce(&mut Calls)) -> Calls {
    let mut c = Calls::default();
    f(&mut c);
    c
}

/// The fields of a client session, read directly.
fn fields(s: *mut SSL_SESSION) -> sesscache::core::session::SessionFields {
    // SAFETY: a live session this test received.
    unsafe { borrow(s) }.expect("a client session").fields()
}

fn free(s: *mut SSL_SESSION) {
    // SAFETY: a session this test received.
    unsafe { SSL_SESSION_free(s) };
}

#[test]
fn rustls_hook_sequences_are_as_recorded() {
    let dir = certs();

    // TLS 1.2, tickets off: the session-id cache.
    let t = Setup::new(&dir, false, true);
    let (s, c, reused, first) = t.connect(null_mut());
    assert!(!reused);
    // The client also offers a random compatibility id, which the TLS 1.2 server looks up (get).
    assert_eq!(s, calls(|c| (c.can_cache, c.put, c.get) = (1, 1, 1)), "TLS 1.2 full, session id");
    assert_eq!(c, calls(|c| (c.set_tls12_session, c.take_tls13_ticket, c.tls12_session) = (1, 1, 1)));
    // What rustls keeps private but the client session needs (read through its key log).
    let f = fields(first);
    assert_eq!(f.master_key.len(), 48, "the TLS 1.2 client session carries the master secret");
    assert_ne!(f.flags & sesscache::core::session::FLAG_EXTMS, 0, "and knows it used EMS");
    let (s, c, reused, second) = t.connect(first);
    assert!(reused);
    assert_eq!(s, calls(|c| c.get = 1), "TLS 1.2 resumption by id: one get, no put");
    assert_eq!(c, calls(|c| (c.set_tls12_session, c.take_tls13_ticket, c.tls12_session) = (1, 1, 1)));
    free(first);
    free(second);
    drop(t);

    // TLS 1.2, tickets on, ticket-capable client: no id, a ticket; resumption by ticket.
    let t = Setup::new(&dir, true, true);
    let (s, _, reused, first) = t.connect(null_mut());
    assert!(!reused);
    assert_eq!(s, calls(|c| (c.can_cache, c.get, c.encrypt) = (1, 1, 1)), "TLS 1.2 full, ticket: no put");
    let (s, _, reused, second) = t.connect(first);
    assert!(reused);
    assert_eq!(s, calls(|c| (c.decrypt, c.encrypt) = (1, 1)), "TLS 1.2 ticket resumption: renewal asked, refused");
    free(first);
    free(second);
    drop(t);

    // TLS 1.3 stateless tickets: two on a full handshake, one accepted of two after resuming.
    let t = Setup::new(&dir, true, false);
    let (s, c, reused, first) = t.connect(null_mut());
    assert!(!reused);
    assert_eq!(s, calls(|c| c.encrypt = 2), "TLS 1.3 full: one encrypt per ticket");
    assert_eq!(c, calls(|c| (c.take_tls13_ticket, c.tls12_session, c.insert_tls13_ticket) = (1, 1, 2)));
    // The ticket, its lifetime hint and age_add, read from rustls's Debug output: if a rustls
    // upgrade changes that output, this fails.
    let f = fields(first);
    let ticket = f.extra().ticket.clone().expect("the TLS 1.3 client session carries its ticket");
    assert!(!ticket.is_empty());
    assert_eq!(f.ticket_lifetime_hint, 7200, "the server's lifetime hint (its session timeout)");
    assert_ne!(f.ticket_age_add, 0);
    assert_eq!(f.id.as_slice().len(), 32, "id = SHA-256 of the ticket, as OpenSSL");
    let (s, c, reused, second) = t.connect(first);
    assert!(reused);
    assert_eq!(s, calls(|c| (c.decrypt, c.encrypt) = (1, 2)), "TLS 1.3 resumption: rustls asks for two tickets");
    assert_eq!(c, calls(|c| (c.take_tls13_ticket, c.insert_tls13_ticket) = (1, 1)), "only one ticket was sent");
    free(first);
    free(second);
    drop(t);

    // TLS 1.3 stateful tickets (SSL_OP_NO_TICKET): put per ticket, take on resumption.
    let t = Setup::new(&dir, false, false);
    let (s, c, reused, first) = t.connect(null_mut());
    assert!(!reused);
    assert_eq!(s, calls(|c| c.put = 2), "TLS 1.3 stateful full: one put per ticket");
    assert_eq!(c.insert_tls13_ticket, 2);
    let (s, c, reused, second) = t.connect(first);
    assert!(reused);
    assert_eq!(s, calls(|c| (c.take, c.put) = (1, 2)), "TLS 1.3 stateful resumption: take, then two puts");
    assert_eq!(c.insert_tls13_ticket, 1);
    free(first);
    free(second);
}
