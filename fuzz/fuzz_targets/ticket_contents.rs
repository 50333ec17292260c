//! What a decrypted session ticket holds (`tls::hooks::split_ticket`): the session's DER and
//! rustls's server value, both decoded from bytes a peer's ticket carried. Never a panic, the
//! parts stay inside the input, and what decodes and re-encodes decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesscache::core::der;
use sesscache::tls::hooks::split_ticket;
use sesscache::tls::value::ServerValue;

fuzz_target!(|data: &[u8]| {
    let Some((session_der, value)) = split_ticket(data) else { return };
    assert_eq!(2 + session_der.len() + value.len(), data.len());
    if let Ok((fields, used)) = der::decode(session_der, 1_700_000_000) {
        assert!(used <= session_der.len());
        if let Some(bytes) = der::encode(&fields) {
            let (again, _) = der::decode(&bytes, 1).expect("our encoding decodes");
            assert_eq!(again, fields);
        }
    }
    // Encoding refuses what rustls would (an empty secret or ALPN); what it writes decodes back.
    if let Some(v) = ServerValue::decode(value)
        && let Some(bytes) = v.encode()
    {
        assert_eq!(ServerValue::decode(&bytes), Some(v));
    }
});
