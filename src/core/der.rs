//! `i2d_SSL_SESSION` / `d2i_SSL_SESSION`: OpenSSL 3.0's `SSL_SESSION_ASN1` DER layout, on
//! RustCrypto's `der` crate. The decoder reads bytes other processes wrote, so it is strict:
//! DER only, bounded field lengths, no trailing data inside the structure.

use der::asn1::{AnyRef, OctetStringRef};
use der::{Decode, Encode, Reader, Sequence, SliceReader};

use super::session::{MAX_ID_LEN, MAX_MASTER_KEY_LEN, MAX_SID_CTX_LEN, SessionFields, SessionId, SidCtx};

/// `SSL_SESSION_ASN1_VERSION`.
const ASN1_VERSION: u32 = 1;
/// What `d2i` gives a session whose timeout is missing or zero.
const DECODED_DEFAULT_TIMEOUT: i64 = 3;
/// `DTLS1_BAD_VER`.
const DTLS1_BAD_VER: i32 = 0x0100;

/// The ASN.1 structure, field for field. Integer fields OpenSSL declares "Z" (zero means
/// absent) are `None` when zero on encoding.
#[derive(Sequence)]
struct SessionAsn1<'a> {
    version: u32,
    ssl_version: i32,
    cipher: OctetStringRef<'a>,
    session_id: OctetStringRef<'a>,
    master_key: OctetStringRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    key_arg: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "1", optional = "true")]
    time: Option<i64>,
    #[asn1(context_specific = "2", optional = "true")]
    timeout: Option<i64>,
    #[asn1(context_specific = "3", optional = "true")]
    peer: Option<AnyRef<'a>>,
    #[asn1(context_specific = "4", optional = "true")]
    session_id_context: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "5", optional = "true")]
    verify_result: Option<i32>,
    #[asn1(context_specific = "6", optional = "true")]
    hostname: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "7", optional = "true")]
    psk_identity_hint: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "8", optional = "true")]
    psk_identity: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "9", optional = "true")]
    ticket_lifetime_hint: Option<u64>,
    #[asn1(context_specific = "10", optional = "true")]
    ticket: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "11", optional = "true")]
    comp_id: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "12", optional = "true")]
    srp_username: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "13", optional = "true")]
    flags: Option<u64>,
    #[asn1(context_specific = "14", optional = "true")]
    ticket_age_add: Option<u32>,
    #[asn1(context_specific = "15", optional = "true")]
    max_early_data: Option<u32>,
    #[asn1(context_specific = "16", optional = "true")]
    alpn_selected: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "17", optional = "true")]
    max_fragment_len_mode: Option<u32>,
    #[asn1(context_specific = "18", optional = "true")]
    ticket_appdata: Option<OctetStringRef<'a>>,
    #[asn1(context_specific = "19", optional = "true")]
    kex_group: Option<u32>,
}

/// Why `d2i` refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not DER, truncated, wrong tags, or trailing data inside the structure.
    Asn1(String),
    /// The structure's own version is not 1.
    UnknownVersion,
    /// Not an SSL/TLS/DTLS protocol version.
    UnsupportedProtocol,
    /// The cipher field is not two bytes.
    CipherLength,
    /// Not a suite OpenSSL knows.
    BadCipher,
    /// A field is longer than its bound (id 32, id context 32, master key 512) or a
    /// compression id is not one byte.
    BadLength,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Asn1(e) => write!(f, "bad DER: {e}"),
            DecodeError::UnknownVersion => f.write_str("unknown SSL_SESSION_ASN1 version"),
            DecodeError::UnsupportedProtocol => f.write_str("unsupported protocol version"),
            DecodeError::CipherLength => f.write_str("cipher code of the wrong length"),
            DecodeError::BadCipher => f.write_str("unknown cipher"),
            DecodeError::BadLength => f.write_str("field too long"),
        }
    }
}

fn octets(data: &[u8]) -> Option<OctetStringRef<'_>> {
    OctetStringRef::new(data).ok()
}

fn nonzero<T: Default + PartialEq>(v: T) -> Option<T> {
    if v == T::default() { None } else { Some(v) }
}

/// `i2d_SSL_SESSION`: the DER of a session, or `None` when it has no cipher (OpenSSL returns 0).
pub fn encode(f: &SessionFields) -> Option<Vec<u8>> {
    let cipher = f.cipher?.to_be_bytes();
    let comp = [f.compress_meth];
    let asn1 = SessionAsn1 {
        version: ASN1_VERSION,
        ssl_version: f.version,
        cipher: octets(&cipher)?,
        session_id: octets(f.id.as_slice())?,
        master_key: octets(&f.master_key)?,
        key_arg: None,
        time: nonzero(f.time),
        timeout: nonzero(f.timeout),
        peer: match &f.extra().peer_cert {
            Some(der) => Some(AnyRef::from_der(der).ok()?),
            None => None,
        },
        // Always present, even when empty.
        session_id_context: octets(f.sid_ctx.as_slice()),
        verify_result: nonzero(f.verify_result as i32),
        hostname: f.extra().hostname.as_deref().map(std::ffi::CStr::to_bytes).and_then(octets),
        psk_identity_hint: f.extra().psk_identity_hint.as_deref().and_then(octets),
        psk_identity: f.extra().psk_identity.as_deref().and_then(octets),
        ticket_lifetime_hint: nonzero(f.ticket_lifetime_hint),
        ticket: f.extra().ticket.as_deref().and_then(octets),
        comp_id: if f.compress_meth != 0 { octets(&comp) } else { None },
        srp_username: f.extra().srp_username.as_deref().and_then(octets),
        flags: nonzero(f.flags),
        ticket_age_add: nonzero(f.ticket_age_add),
        max_early_data: nonzero(f.max_early_data),
        alpn_selected: f.extra().alpn_selected.as_deref().and_then(octets),
        max_fragment_len_mode: nonzero(u32::from(f.max_fragment_len_mode)),
        ticket_appdata: f.extra().ticket_appdata.as_deref().and_then(octets),
        // A plain UINT32: written even when zero.
        kex_group: Some(f.kex_group),
    };
    asn1.to_der().ok()
}

/// OpenSSL keeps these fields as C strings: the value ends at the first NUL.
fn c_string(s: Option<OctetStringRef<'_>>) -> Option<Vec<u8>> {
    s.map(|s| {
        let b = s.as_bytes();
        b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())].to_vec()
    })
}

fn bounded(s: Option<OctetStringRef<'_>>, max: usize) -> Result<&[u8], DecodeError> {
    let b = s.map_or(&[][..], |s| s.as_bytes());
    if b.len() > max { Err(DecodeError::BadLength) } else { Ok(b) }
}

/// `d2i_SSL_SESSION`: reads one DER element from the start of `input`. Returns the fields and
/// the number of bytes consumed (bytes after the element are left alone). A missing or zero
/// time becomes `now`; a missing or zero timeout becomes 3 seconds.
pub fn decode(input: &[u8], now: i64) -> Result<(SessionFields, usize), DecodeError> {
    let mut reader = SliceReader::new(input).map_err(|e| DecodeError::Asn1(e.to_string()))?;
    let asn1 = SessionAsn1::decode(&mut reader).map_err(|e| DecodeError::Asn1(e.to_string()))?;
    let consumed = u32::from(reader.position()) as usize;

    if asn1.version != ASN1_VERSION {
        return Err(DecodeError::UnknownVersion);
    }
    let major = asn1.ssl_version >> 8;
    if major != 0x03 && major != 0xfe && asn1.ssl_version != DTLS1_BAD_VER {
        return Err(DecodeError::UnsupportedProtocol);
    }
    let cipher = match asn1.cipher.as_bytes() {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => return Err(DecodeError::CipherLength),
    };
    if super::cipher::find(cipher).is_none() {
        return Err(DecodeError::BadCipher);
    }
    let id = SessionId::new(bounded(Some(asn1.session_id), MAX_ID_LEN)?).ok_or(DecodeError::BadLength)?;
    let master_key = bounded(Some(asn1.master_key), MAX_MASTER_KEY_LEN)?.to_vec();
    let sid_ctx = SidCtx::new(bounded(asn1.session_id_context, MAX_SID_CTX_LEN)?).ok_or(DecodeError::BadLength)?;
    let compress_meth = match asn1.comp_id.map(|c| c.as_bytes()) {
        None => 0,
        Some([m]) => *m,
        Some(_) => return Err(DecodeError::BadLength),
    };
    let time = asn1.time.filter(|&t| t != 0).unwrap_or(now);
    let timeout = asn1.timeout.filter(|&t| t != 0).unwrap_or(DECODED_DEFAULT_TIMEOUT);

    let mut f = SessionFields::new(now);
    f.version = asn1.ssl_version;
    f.cipher = Some(cipher);
    f.id = id;
    f.master_key = master_key.into();
    f.set_lifetime(time, timeout);
    f.update_extra(|e| e.peer_cert = asn1.peer.and_then(|p| p.to_der().ok()));
    f.sid_ctx = sid_ctx;
    // Absent means X509_V_OK here, unlike SSL_SESSION_new's 1.
    f.verify_result = i64::from(asn1.verify_result.unwrap_or(0));
    f.update_extra(|e| e.hostname = c_string(asn1.hostname).and_then(|h| std::ffi::CString::new(h).ok()));
    f.update_extra(|e| e.psk_identity_hint = c_string(asn1.psk_identity_hint));
    f.update_extra(|e| e.psk_identity = c_string(asn1.psk_identity));
    f.ticket_lifetime_hint = asn1.ticket_lifetime_hint.unwrap_or(0);
    f.ticket_age_add = asn1.ticket_age_add.unwrap_or(0);
    f.update_extra(|e| e.ticket = asn1.ticket.map(|t| t.as_bytes().to_vec()));
    f.compress_meth = compress_meth;
    f.update_extra(|e| e.srp_username = c_string(asn1.srp_username));
    // OpenSSL keeps the flags in 32 bits.
    f.flags = u64::from(asn1.flags.unwrap_or(0) as u32);
    f.max_early_data = asn1.max_early_data.unwrap_or(0);
    f.update_extra(|e| e.alpn_selected = asn1.alpn_selected.map(|a| a.as_bytes().to_vec()));
    f.max_fragment_len_mode = asn1.max_fragment_len_mode.unwrap_or(0) as u8;
    f.update_extra(|e| e.ticket_appdata = asn1.ticket_appdata.map(|a| a.as_bytes().to_vec()));
    f.kex_group = asn1.kex_group.unwrap_or(0);
    Ok((f, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls12_session() -> SessionFields {
        let mut f = SessionFields::new(1_700_000_000);
        f.version = 0x0303;
        f.cipher = Some(0xc02f);
        f.id = SessionId::new(&[0xab; 32]).unwrap();
        f.sid_ctx = SidCtx::new(b"sid").unwrap();
        f.master_key = vec![0x11; 48].into();
        f.set_lifetime(1_700_000_000, 7200);
        f.flags = 1;
        f.kex_group = 0x1d;
        f
    }

    #[test]
    fn no_cipher_encodes_nothing() {
        assert!(encode(&SessionFields::new(5)).is_none());
    }

    #[test]
    fn minimal_session_matches_openssl_bytes() {
        // The minimal hand-built session of SEMANTICS.md §7.1: 117 bytes.
        let mut f = SessionFields::new(0);
        f.set_lifetime(0, 0);
        f.version = 0x0303;
        f.cipher = Some(0xc02f);
        f.id = SessionId::new(&[7; 32]).unwrap();
        f.master_key = vec![9; 48].into();
        let der = encode(&f).unwrap();
        assert_eq!(der.len(), 117);
        let tail = &der[der.len() - 20..];
        // [4]{OCTET ""} [5]{INTEGER 1} [17]{INTEGER FF} [19]{INTEGER 0}
        assert_eq!(
            tail,
            &[
                0xa4, 0x02, 0x04, 0x00, 0xa5, 0x03, 0x02, 0x01, 0x01, 0xb1, 0x04, 0x02, 0x02, 0x00, 0xff, 0xb3, 0x03,
                0x02, 0x01, 0x00
            ]
        );
    }

    #[test]
    fn round_trip_is_exact() {
        let mut f = tls12_session();
        f.update_extra(|e| e.hostname = Some(c"example.com".into()));
        f.update_extra(|e| e.alpn_selected = Some(b"h2".to_vec()));
        f.update_extra(|e| e.ticket = Some(vec![1, 2, 3]));
        f.ticket_lifetime_hint = 7200;
        f.ticket_age_add = 0xdead_beef;
        f.verify_result = 0;
        let der = encode(&f).unwrap();
        let (g, used) = decode(&der, 42).unwrap();
        assert_eq!(used, der.len());
        assert_eq!(g, f);
        assert_eq!(encode(&g).unwrap(), der);
    }

    #[test]
    fn missing_time_and_timeout_defaults() {
        let mut f = tls12_session();
        f.set_lifetime(0, 0);
        let (g, _) = decode(&encode(&f).unwrap(), 4242).unwrap();
        assert_eq!((g.time, g.timeout), (4242, 3));
    }

    #[test]
    fn trailing_bytes_after_the_element_are_not_consumed() {
        let der = encode(&tls12_session()).unwrap();
        let mut buf = der.clone();
        buf.extend_from_slice(&[0xde, 0xad]);
        assert_eq!(decode(&buf, 0).unwrap().1, der.len());
    }

    #[test]
    fn truncations_and_garbage_are_refused() {
        let der = encode(&tls12_session()).unwrap();
        for n in 0..der.len() {
            assert!(decode(&der[..n], 0).is_err(), "truncated to {n} bytes");
        }
        let mut wrong_tag = der.clone();
        wrong_tag[0] = 0x31;
        assert!(decode(&wrong_tag, 0).is_err());
    }

    #[test]
    fn field_rules() {
        let mut f = tls12_session();
        f.cipher = Some(0x1234);
        assert_eq!(decode(&encode(&f).unwrap(), 0).unwrap_err(), DecodeError::BadCipher);
        let mut f = tls12_session();
        f.version = 0x0200;
        assert_eq!(decode(&encode(&f).unwrap(), 0).unwrap_err(), DecodeError::UnsupportedProtocol);
        let mut f = tls12_session();
        f.master_key = vec![0; 513].into();
        assert_eq!(decode(&encode(&f).unwrap(), 0).unwrap_err(), DecodeError::BadLength);
    }
}
