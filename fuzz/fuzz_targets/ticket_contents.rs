//! What a decrypted session ticket holds: the session's DER (as OpenSSL's tickets do), from which
//! rustls's server value is rebuilt (`ServerValue::from_fields`), both from bytes a peer's
//! ticket carried. Never a panic; what decodes and re-encodes decodes the same; a value built
//! from the fields encodes to bytes rustls's codec (our decoder) reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesscache::core::der;
use sesscache::tls::value::ServerValue;

fuzz_target!(|data: &[u8]| {
    let Ok((fields, used)) = der::decode(data, 1_700_000_000) else { return };
    assert!(used <= data.len());
    if let Some(bytes) = der::encode(&fields) {
        let (again, _) = der::decode(&bytes, 1).expect("our encoding decodes");
        assert_eq!(again, fields);
    }
    for sni in [None, Some(&b"localhost"[..])] {
        // Encoding refuses what rustls would (an empty secret or ALPN); what it writes decodes back.
        if let Some(v) = ServerValue::from_fields(&fields, sni)
            && let Some(bytes) = v.encode()
        {
            assert_eq!(ServerValue::decode(&bytes), Some(v));
        }
    }
});
