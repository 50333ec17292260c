//! The core decoder alone: bounded fields, and a decoded session re-encodes to bytes that
//! decode to equal fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesscache::core::der;
use sesscache::core::session::{MAX_ID_LEN, MAX_MASTER_KEY_LEN, MAX_SID_CTX_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok((fields, used)) = der::decode(data, 1_700_000_000) else { return };
    assert!(used <= data.len());
    assert!(fields.id.as_slice().len() <= MAX_ID_LEN);
    assert!(fields.sid_ctx.as_slice().len() <= MAX_SID_CTX_LEN);
    assert!(fields.master_key.len() <= MAX_MASTER_KEY_LEN);
    let bytes = der::encode(&fields).expect("a decoded session has a cipher");
    let (again, n) = der::decode(&bytes, 1).expect("our encoding decodes");
    assert_eq!(n, bytes.len());
    assert_eq!(again, fields);
});
