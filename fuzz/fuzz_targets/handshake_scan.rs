//! The plaintext handshake messages read from the network (`tls::hello`): any bytes, split
//! anywhere, never panic; the messages found do not depend on where the reads split the bytes;
//! each message parser takes any body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesscache::tls::hello::{self, HandshakeScan};

fn parse(kind: u8, body: &[u8]) {
    match kind {
        hello::CLIENT_HELLO => {
            let _ = hello::parse_client_hello(body);
        }
        hello::SERVER_HELLO_TYPE => {
            let _ = hello::server_hello_session_id(body);
        }
        hello::NEW_SESSION_TICKET => {
            let _ = hello::new_session_ticket(body);
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((split, bytes)) = data.split_first() else { return };
    let mut whole = HandshakeScan::default();
    let at_once = whole.feed(bytes);
    let mut scan = HandshakeScan::default();
    let mut in_pieces = Vec::new();
    for piece in bytes.chunks(usize::from(*split % 17) + 1) {
        in_pieces.extend(scan.feed(piece));
    }
    assert_eq!(at_once, in_pieces, "the messages depend on how the bytes were split");
    assert_eq!(whole.is_done(), scan.is_done());
    for (kind, body) in &at_once {
        parse(*kind, body);
    }
    // Every parser on the raw bytes too (a body can be anything a peer sends).
    for kind in [hello::CLIENT_HELLO, hello::SERVER_HELLO_TYPE, hello::NEW_SESSION_TICKET] {
        parse(kind, bytes);
    }
});
