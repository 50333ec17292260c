//! rustls's server session value (the bytes its session store and ticketer carry), and its
//! mapping to OpenSSL's session fields. The layout is rustls 0.23's private
//! `ServerSessionValue` codec (big-endian): a test checks it against rustls's own decoder, so a
//! rustls upgrade that changes it fails loudly.

use crate::core::session::SessionFields;

/// One rustls server session value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerValue {
    pub sni: Option<Vec<u8>>,
    pub version: u16,
    pub cipher: u16,
    /// TLS 1.2 master secret or TLS 1.3 resumption PSK; never empty.
    pub master_secret: Vec<u8>,
    pub extended_ms: bool,
    pub client_cert_chain: Option<Vec<Vec<u8>>>,
    pub alpn: Option<Vec<u8>>,
    pub application_data: Vec<u8>,
    pub creation_time_sec: u64,
    pub age_obfuscation_offset: u32,
}

fn put_u8_vec(out: &mut Vec<u8>, b: &[u8]) -> Option<()> {
    out.push(u8::try_from(b.len()).ok()?);
    out.extend_from_slice(b);
    Some(())
}

fn put_u24(out: &mut Vec<u8>, n: usize) -> Option<()> {
    if n >= 1 << 24 {
        return None;
    }
    out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    Some(())
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3).map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn u8_vec(&mut self) -> Option<Vec<u8>> {
        let n = usize::from(self.u8()?);
        self.take(n).map(<[u8]>::to_vec)
    }
}

impl ServerValue {
    /// rustls's encoding; `None` for values rustls would refuse (empty secret or ALPN, over-long
    /// fields).
    pub fn encode(&self) -> Option<Vec<u8>> {
        if self.master_secret.is_empty() || self.alpn.as_ref().is_some_and(Vec::is_empty) {
            return None;
        }
        let mut out = Vec::with_capacity(96);
        match &self.sni {
            Some(sni) => {
                out.push(1);
                put_u8_vec(&mut out, sni)?;
            }
            None => out.push(0),
        }
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.cipher.to_be_bytes());
        put_u8_vec(&mut out, &self.master_secret)?;
        out.push(u8::from(self.extended_ms));
        match &self.client_cert_chain {
            Some(chain) => {
                out.push(1);
                let total: usize = chain.iter().map(|c| 3 + c.len()).sum();
                put_u24(&mut out, total)?;
                for cert in chain {
                    put_u24(&mut out, cert.len())?;
                    out.extend_from_slice(cert);
                }
            }
            None => out.push(0),
        }
        match &self.alpn {
            Some(alpn) => {
                out.push(1);
                put_u8_vec(&mut out, alpn)?;
            }
            None => out.push(0),
        }
        out.extend_from_slice(&u16::try_from(self.application_data.len()).ok()?.to_be_bytes());
        out.extend_from_slice(&self.application_data);
        out.extend_from_slice(&self.creation_time_sec.to_be_bytes());
        out.extend_from_slice(&self.age_obfuscation_offset.to_be_bytes());
        Some(out)
    }

    pub fn decode(bytes: &[u8]) -> Option<ServerValue> {
        let mut r = Reader(bytes);
        let sni = match r.u8()? {
            1 => Some(r.u8_vec()?),
            _ => None,
        };
        let version = r.u16()?;
        let cipher = r.u16()?;
        let master_secret = r.u8_vec()?;
        let extended_ms = r.u8()? == 1;
        let client_cert_chain = if r.u8()? == 1 {
            let total = r.u24()?;
            let mut list = Reader(r.take(total)?);
            let mut chain = Vec::new();
            while !list.0.is_empty() {
                let n = list.u24()?;
                chain.push(list.take(n)?.to_vec());
            }
            Some(chain)
        } else {
            None
        };
        let alpn = if r.u8()? == 1 { Some(r.u8_vec()?) } else { None };
        let n = usize::from(r.u16()?);
        let application_data = r.take(n)?.to_vec();
        let t = r.take(8)?;
        let creation_time_sec = u64::from_be_bytes(t.try_into().ok()?);
        let a = r.take(4)?;
        let age_obfuscation_offset = u32::from_be_bytes(a.try_into().ok()?);
        Some(ServerValue {
            sni,
            version,
            cipher,
            master_secret,
            extended_ms,
            client_cert_chain,
            alpn,
            application_data,
            creation_time_sec,
            age_obfuscation_offset,
        })
    }

    /// Copies what the value knows into a session's fields (the rest stays as it is).
    pub fn apply_to(&self, f: &mut SessionFields) {
        f.version = i32::from(self.version);
        f.cipher = Some(self.cipher);
        f.master_key = self.master_secret.as_slice().into();
        if self.extended_ms {
            f.flags |= crate::core::session::FLAG_EXTMS;
        } else {
            f.flags &= !crate::core::session::FLAG_EXTMS;
        }
        f.update_extra(|e| e.hostname = self.sni.clone().and_then(|h| std::ffi::CString::new(h).ok()));
        f.update_extra(|e| e.alpn_selected = self.alpn.clone());
        f.update_extra(|e| e.peer_cert = self.client_cert_chain.as_ref().and_then(|c| c.first().cloned()));
        f.update_extra(|e| {
            e.ticket_appdata = if self.application_data.is_empty() { None } else { Some(self.application_data.clone()) }
        });
        f.ticket_age_add = self.age_obfuscation_offset;
    }

    /// The value rustls needs to resume `f`, with the SNI of the connection that resumes it.
    pub fn from_fields(f: &SessionFields, sni: Option<&[u8]>) -> Option<ServerValue> {
        Some(ServerValue {
            sni: sni.map(<[u8]>::to_vec),
            version: u16::try_from(f.version).ok()?,
            cipher: f.cipher?,
            master_secret: f.master_key.to_vec(),
            extended_ms: f.flags & crate::core::session::FLAG_EXTMS != 0,
            client_cert_chain: f.extra().peer_cert.as_ref().map(|c| vec![c.clone()]),
            alpn: f.extra().alpn_selected.clone().filter(|a| !a.is_empty()),
            application_data: f.extra().ticket_appdata.clone().unwrap_or_default(),
            creation_time_sec: u64::try_from(f.time).unwrap_or(0),
            age_obfuscation_offset: f.ticket_age_add,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::internal::msgs::codec::Codec;
    use rustls::internal::msgs::persist::ServerSessionValue;

    fn sample() -> ServerValue {
        ServerValue {
            sni: Some(b"localhost".to_vec()),
            version: 0x0303,
            cipher: 0xc02c,
            master_secret: vec![0x85; 48],
            extended_ms: true,
            client_cert_chain: Some(vec![vec![0x30, 0x03, 1, 2, 3], vec![0x30, 0]]),
            alpn: Some(b"h2".to_vec()),
            application_data: vec![9, 9],
            creation_time_sec: 0x6b02_4f9c,
            age_obfuscation_offset: 0x6491_2a2b,
        }
    }

    #[test]
    fn matches_rustls_codec() {
        for v in [sample(), ServerValue { sni: None, client_cert_chain: None, alpn: None, ..sample() }] {
            let ours = v.encode().unwrap();
            let theirs = ServerSessionValue::read_bytes(&ours).expect("rustls reads our bytes");
            assert_eq!(theirs.get_encoding(), ours, "rustls re-encodes to the same bytes");
            assert_eq!(ServerValue::decode(&ours), Some(v));
        }
    }

    #[test]
    fn refuses_what_rustls_refuses() {
        assert!(ServerValue { master_secret: vec![], ..sample() }.encode().is_none());
        assert!(ServerValue { alpn: Some(vec![]), ..sample() }.encode().is_none());
        assert!(ServerValue::decode(&sample().encode().unwrap()[..20]).is_none());
    }

    #[test]
    fn fields_round_trip() {
        let v = ServerValue { client_cert_chain: Some(vec![vec![0x30, 0]]), ..sample() };
        let mut f = SessionFields::new(0);
        v.apply_to(&mut f);
        f.time = v.creation_time_sec as i64;
        assert_eq!(ServerValue::from_fields(&f, v.sni.as_deref()), Some(v));
    }
}
