//! A raw look at the plaintext handshake messages, for what rustls does not expose: the
//! ClientHello's legacy session id and session_ticket extension, the ServerHello's session id,
//! and a TLS 1.2 NewSessionTicket.

/// `session_ticket` extension number.
const EXT_SESSION_TICKET: u16 = 35;
/// Handshake message types.
pub const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
/// Record content type `handshake`.
const HANDSHAKE_RECORD: u8 = 22;

/// What the first ClientHello said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloInfo {
    pub session_id: Vec<u8>,
    /// `None` without a session_ticket extension, else the ticket's length (0: "send me one").
    pub ticket_len: Option<usize>,
    /// The message body, for `SSL_client_hello_get0_*`.
    pub body: Vec<u8>,
    /// Where the cipher suite list is in `body`.
    pub ciphers: std::ops::Range<usize>,
    /// Each extension's type and where its data is in `body`, in order.
    pub extensions: Vec<(u16, std::ops::Range<usize>)>,
}

impl ClientHelloInfo {
    /// The data of the first extension of type `kind`.
    pub fn extension(&self, kind: u16) -> Option<&[u8]> {
        self.extensions.iter().find(|(k, _)| *k == kind).map(|(_, r)| &self.body[r.clone()])
    }
}

/// Handshake message types.
pub const SERVER_HELLO_TYPE: u8 = SERVER_HELLO;
pub const NEW_SESSION_TICKET: u8 = 4;

/// Follows one direction of a connection while its records are plaintext handshake records,
/// and hands out each complete handshake message. It stops at the first record of another
/// type (ChangeCipherSpec, alert, application data): what follows is encrypted.
#[derive(Debug, Default)]
pub struct HandshakeScan {
    raw: Vec<u8>,
    handshake: Vec<u8>,
    done: bool,
}

/// No plaintext flight is this large.
const LIMIT: usize = 1 << 18;

impl HandshakeScan {
    /// The plaintext part of the handshake is over: later bytes need not be shown.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Feeds bytes read from the peer; returns the handshake messages they completed, as
    /// (type, body).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
        if self.done {
            return Vec::new();
        }
        self.raw.extend_from_slice(bytes);
        let mut used = 0;
        while self.raw.len() - used >= 5 {
            let rec = &self.raw[used..];
            let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
            if rec.len() < 5 + len {
                break;
            }
            if rec[0] != HANDSHAKE_RECORD {
                self.done = true;
                break;
            }
            self.handshake.extend_from_slice(&rec[5..5 + len]);
            used += 5 + len;
        }
        self.raw.drain(..used);
        let mut messages = Vec::new();
        while self.handshake.len() >= 4 {
            let h = &self.handshake;
            let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
            if h.len() < 4 + len {
                break;
            }
            messages.push((h[0], h[4..4 + len].to_vec()));
            self.handshake.drain(..4 + len);
        }
        if self.done || self.raw.len() + self.handshake.len() > LIMIT {
            self.done = true;
            self.raw = Vec::new();
            self.handshake = Vec::new();
        }
        messages
    }
}

/// The session id of a ServerHello body.
pub fn server_hello_session_id(body: &[u8]) -> Option<Vec<u8>> {
    // legacy_version(2) random(32) session_id<0..32>
    let len = usize::from(*body.get(34)?);
    body.get(35..35 + len).map(<[u8]>::to_vec)
}

/// The extension types of a ServerHello body; `None` if it does not parse.
pub fn server_hello_extensions(body: &[u8]) -> Option<Vec<u16>> {
    let mut c = Cursor(body);
    c.take(2 + 32)?;
    c.u8_vec()?;
    c.take(2 + 1)?;
    let mut kinds = Vec::new();
    if c.0.is_empty() {
        return Some(kinds);
    }
    let mut exts = Cursor(c.u16_vec()?);
    while !exts.0.is_empty() {
        kinds.push(exts.u16()?);
        exts.u16_vec()?;
    }
    Some(kinds)
}

/// `server_name`'s extension type.
pub const EXT_SERVER_NAME: u16 = 0;

/// The ticket and lifetime hint of a TLS 1.2 NewSessionTicket body.
pub fn new_session_ticket(body: &[u8]) -> Option<(u32, Vec<u8>)> {
    let mut c = Cursor(body);
    let hint = c.take(4)?;
    let ticket = c.u16_vec()?;
    Some((u32::from_be_bytes([hint[0], hint[1], hint[2], hint[3]]), ticket.to_vec()))
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
    // Where a slice of `body` starts in it.
    let offset = |part: &[u8]| part.as_ptr() as usize - body.as_ptr() as usize;
    c.take(2 + 32)?;
    let session_id = c.u8_vec()?.to_vec();
    if session_id.len() > 32 {
        return None;
    }
    let suites = c.u16_vec()?;
    let ciphers = offset(suites)..offset(suites) + suites.len();
    c.u8_vec()?;
    let mut info =
        ClientHelloInfo { session_id, ticket_len: None, body: body.to_vec(), ciphers, extensions: Vec::new() };
    if c.0.is_empty() {
        return Some(info);
    }
    let mut exts = Cursor(c.u16_vec()?);
    while !exts.0.is_empty() {
        let kind = exts.u16()?;
        let data = exts.u16_vec()?;
        info.extensions.push((kind, offset(data)..offset(data) + data.len()));
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

    #[test]
    fn server_hello_extension_types() {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(2);
        body.extend_from_slice(&[1, 2, 0xc0, 0x2f, 0]);
        assert_eq!(server_hello_extensions(&body), Some(vec![]));
        body.extend_from_slice(&[0, 8, 0, 0, 0, 0, 0, 23, 0, 0]);
        assert_eq!(server_hello_extensions(&body), Some(vec![EXT_SERVER_NAME, 23]));
        body.truncate(body.len() - 1);
        assert_eq!(server_hello_extensions(&body), None);
    }

    #[test]
    fn client_hello_extensions_and_ciphers_are_located() {
        let msg = hello(&[9; 4], Some(b"tick"));
        let info = parse_client_hello(&msg[4..]).expect("parses");
        assert_eq!(&info.body[info.ciphers.clone()], &[0xc0, 0x2f]);
        assert_eq!(info.extension(23), Some(&[][..]));
        assert_eq!(info.extension(EXT_SESSION_TICKET), Some(&b"tick"[..]));
        assert_eq!(info.extension(0), None);
        // Bytes after the extensions do not move where they are found.
        let mut trailing = msg[4..].to_vec();
        trailing.extend_from_slice(&[1, 2, 3]);
        let info = parse_client_hello(&trailing).expect("parses");
        assert_eq!(info.extension(EXT_SESSION_TICKET), Some(&b"tick"[..]));
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
        let mut scan = HandshakeScan::default();
        let mut got = Vec::new();
        for b in wire.chunks(7) {
            got.extend(scan.feed(b));
        }
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, CLIENT_HELLO);
        let info = parse_client_hello(&got[0].1).unwrap();
        assert_eq!(info.session_id, vec![7; 32]);
        assert_eq!(info.ticket_len, Some(3));
    }

    #[test]
    fn stops_at_the_first_non_handshake_record() {
        let mut wire = records(&hello(&[], None), 100);
        wire.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
        wire.extend_from_slice(&records(&[4, 0, 0, 2, 0, 0], 100));
        let mut scan = HandshakeScan::default();
        assert_eq!(scan.feed(&wire).len(), 1, "what follows ChangeCipherSpec is not plaintext");
    }

    #[test]
    fn ticket_and_server_hello_fields() {
        let nst = [0, 0, 0x1c, 0x20, 0, 3, 9, 8, 7];
        assert_eq!(new_session_ticket(&nst), Some((7200, vec![9, 8, 7])));
        let mut sh = vec![3, 3];
        sh.extend_from_slice(&[0; 32]);
        sh.push(2);
        sh.extend_from_slice(&[5, 6]);
        assert_eq!(server_hello_session_id(&sh), Some(vec![5, 6]));
    }

    #[test]
    fn no_ticket_extension_and_empty_ticket() {
        let info = parse_client_hello(&hello(&[], None)[4..]).unwrap();
        assert!(info.session_id.is_empty() && info.ticket_len.is_none());
        let info = parse_client_hello(&hello(&[1], Some(&[]))[4..]).unwrap();
        assert_eq!(info.ticket_len, Some(0));
    }

    #[test]
    fn garbage_gives_nothing() {
        let mut scan = HandshakeScan::default();
        assert!(scan.feed(b"GET / HTTP/1.1\r\n\r\n").is_empty());
        assert!(scan.feed(&records(&hello(&[], None), 100)).is_empty(), "gave up after garbage");
        assert!(parse_client_hello(&[3, 3, 0]).is_none());
    }
}
