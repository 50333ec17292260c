//! A raw look at the first handshake message of each side, for what rustls does not expose:
//! the ClientHello's legacy session id and whether it carries a session_ticket extension, and
//! the ServerHello's session id.

/// `session_ticket` extension number.
const EXT_SESSION_TICKET: u16 = 35;
/// Handshake message types.
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
/// Record content type `handshake`.
const HANDSHAKE_RECORD: u8 = 22;

/// What the first ClientHello said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloInfo {
    pub session_id: Vec<u8>,
    /// `None` without a session_ticket extension, else the ticket's length (0: "send me one").
    pub ticket_len: Option<usize>,
}

/// Gathers the handshake bytes of the first flight from raw records until one whole handshake
/// message of the wanted type is there.
#[derive(Debug, Default)]
pub struct FirstMessage {
    raw: Vec<u8>,
    done: bool,
}

/// Enough of a flight to give up on: no hello is this large.
const LIMIT: usize = 1 << 17;

impl FirstMessage {
    /// Feeds more bytes read from the peer; returns the message body once complete (once).
    pub fn feed(&mut self, bytes: &[u8], msg_type: u8) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        self.raw.extend_from_slice(bytes);
        let mut handshake = Vec::new();
        let mut rest = &self.raw[..];
        while rest.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            if rest.len() < 5 + len {
                break;
            }
            if rest[0] == HANDSHAKE_RECORD {
                handshake.extend_from_slice(&rest[5..5 + len]);
            } else if handshake.is_empty() && rest[0] != 20 {
                // Anything but a ChangeCipherSpec before the hello: not what we look for.
                self.done = true;
                return None;
            }
            rest = &rest[5 + len..];
        }
        if handshake.len() >= 4 {
            if handshake[0] != msg_type {
                self.done = true;
                return None;
            }
            let len = (usize::from(handshake[1]) << 16)
                | (usize::from(handshake[2]) << 8)
                | usize::from(handshake[3]);
            if handshake.len() >= 4 + len {
                self.done = true;
                self.raw = Vec::new();
                return Some(handshake[4..4 + len].to_vec());
            }
        }
        if self.raw.len() > LIMIT {
            self.done = true;
        }
        None
    }

    pub fn client_hello(&mut self, bytes: &[u8]) -> Option<ClientHelloInfo> {
        self.feed(bytes, CLIENT_HELLO)
            .and_then(|body| parse_client_hello(&body))
    }

    /// The ServerHello's session id, once the ServerHello is complete.
    pub fn server_hello_session_id(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let body = self.feed(bytes, SERVER_HELLO)?;
        // legacy_version(2) random(32) session_id<0..32>
        let len = usize::from(*body.get(34)?);
        body.get(35..35 + len).map(<[u8]>::to_vec)
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8_vec(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.take(1)?[0]);
        self.take(n)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u16_vec(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
}

/// Parses a ClientHello body (after the 4-byte handshake header).
pub fn parse_client_hello(body: &[u8]) -> Option<ClientHelloInfo> {
    let mut c = Cursor(body);
    c.take(2 + 32)?;
    let session_id = c.u8_vec()?.to_vec();
    if session_id.len() > 32 {
        return None;
    }
    c.u16_vec()?;
    c.u8_vec()?;
    let mut info = ClientHelloInfo {
        session_id,
        ticket_len: None,
    };
    if c.0.is_empty() {
        return Some(info);
    }
    let mut exts = Cursor(c.u16_vec()?);
    while !exts.0.is_empty() {
        let kind = exts.u16()?;
        let data = exts.u16_vec()?;
        if kind == EXT_SESSION_TICKET {
            info.ticket_len = Some(data.len());
        }
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(session_id: &[u8], ticket: Option<&[u8]>) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[0; 32]);
        body.push(session_id.len() as u8);
        body.extend_from_slice(session_id);
        body.extend_from_slice(&[0, 2, 0xc0, 0x2f, 1, 0]);
        let mut exts = Vec::new();
        exts.extend_from_slice(&[0, 23, 0, 0]);
        if let Some(t) = ticket {
            exts.extend_from_slice(&[0, 35]);
            exts.extend_from_slice(&(t.len() as u16).to_be_bytes());
            exts.extend_from_slice(t);
        }
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        msg
    }

    fn records(msg: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for part in msg.chunks(chunk) {
            out.extend_from_slice(&[22, 3, 1]);
            out.extend_from_slice(&(part.len() as u16).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn finds_session_id_and_ticket_across_records_and_reads() {
        let wire = records(&hello(&[7; 32], Some(&[1, 2, 3])), 20);
        let mut first = FirstMessage::default();
        let mut got = None;
        for b in wire.chunks(7) {
            if let Some(info) = first.client_hello(b) {
                got = Some(info);
            }
        }
        assert_eq!(
            got,
            Some(ClientHelloInfo {
                session_id: vec![7; 32],
                ticket_len: Some(3)
            })
        );
    }

    #[test]
    fn no_ticket_extension_and_empty_ticket() {
        let info = parse_client_hello(&hello(&[], None)[4..]).unwrap();
        assert_eq!(
            info,
            ClientHelloInfo {
                session_id: vec![],
                ticket_len: None
            }
        );
        let info = parse_client_hello(&hello(&[1], Some(&[]))[4..]).unwrap();
        assert_eq!(info.ticket_len, Some(0));
    }

    #[test]
    fn garbage_gives_nothing() {
        let mut first = FirstMessage::default();
        assert!(first.client_hello(b"GET / HTTP/1.1\r\n\r\n").is_none());
        assert!(
            first
                .client_hello(&records(&hello(&[], None), 100))
                .is_none(),
            "gave up after garbage"
        );
        assert!(parse_client_hello(&[3, 3, 0]).is_none());
    }
}
