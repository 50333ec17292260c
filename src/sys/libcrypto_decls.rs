// The system libcrypto functions the drop-in libssl.so.3 calls (feature `libcrypto`): its error
// queue, and the objects a libssl program hands over or gets back (X509, EVP_PKEY, stacks,
// X509_NAME, X509_STORE, BIO).
use libc::{c_char, c_int, c_long, c_uchar, c_ulong, c_void};

macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[allow(non_camel_case_types)]
        #[repr(C)]
        pub struct $name {
            _opaque: [u8; 0],
        }
    )*};
}

opaque!(
    X509,
    EVP_PKEY,
    OPENSSL_STACK,
    X509_NAME,
    X509_STORE,
    X509_STORE_CTX,
    X509_VERIFY_PARAM,
    BIO,
    PKCS8_PRIV_KEY_INFO,
    EVP_CIPHER_CTX,
    EVP_CIPHER,
    EVP_MD,
    HMAC_CTX,
    EVP_MAC,
    EVP_MAC_CTX,
    ENGINE,
    CRYPTO_EX_DATA
);

/// `CRYPTO_EX_INDEX_SSL`, `CRYPTO_EX_INDEX_SSL_CTX`.
pub const CRYPTO_EX_INDEX_SSL: c_int = 0;
pub const CRYPTO_EX_INDEX_SSL_CTX: c_int = 1;

/// `ERR_STRING_DATA`: a code and its text.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct ERR_STRING_DATA {
    pub error: c_ulong,
    pub string: *const c_char,
}

/// `OPENSSL_sk_pop_free`'s element destructor.
pub type FreeFn = unsafe extern "C" fn(*mut c_void);
/// `X509_STORE_CTX_set_verify_cb`'s callback.
pub type VerifyCb = unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int;

/// `CRYPTO_EX_INDEX_X509_STORE_CTX`.
pub const CRYPTO_EX_INDEX_X509_STORE_CTX: c_int = 5;
/// `EVP_PKEY_RSA`, `EVP_PKEY_RSA_PSS`, `EVP_PKEY_EC`, `EVP_PKEY_ED25519`, `EVP_PKEY_ED448`.
pub const EVP_PKEY_RSA: c_int = 6;
pub const EVP_PKEY_RSA_PSS: c_int = 912;
pub const EVP_PKEY_EC: c_int = 408;
pub const EVP_PKEY_ED25519: c_int = 1087;
pub const EVP_PKEY_ED448: c_int = 1088;
/// `BIO_FLAGS_SHOULD_RETRY`, `BIO_CTRL_EOF`, `BIO_CTRL_FLUSH`.
pub const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
pub const BIO_CTRL_EOF: c_int = 2;
pub const BIO_CTRL_FLUSH: c_int = 11;

/// `BIO_NOCLOSE`.
pub const BIO_NOCLOSE: c_int = 0;

unsafe extern "C" {
    pub fn ERR_new();
    pub fn ERR_set_error(lib: c_int, reason: c_int, fmt: *const c_char, ...);
    pub fn ERR_peek_error() -> c_ulong;
    pub fn ERR_clear_error();
    pub fn ERR_load_strings_const(strings: *const ERR_STRING_DATA) -> c_int;
    pub fn ERR_set_mark() -> c_int;
    pub fn ERR_pop_to_mark() -> c_int;

    pub fn d2i_X509(out: *mut *mut X509, inp: *mut *const c_uchar, len: c_long) -> *mut X509;
    pub fn i2d_X509(x: *const X509, out: *mut *mut c_uchar) -> c_int;
    pub fn X509_up_ref(x: *mut X509) -> c_int;
    pub fn X509_free(x: *mut X509);
    pub fn X509_get_subject_name(x: *const X509) -> *mut X509_NAME;
    pub fn X509_get0_pubkey(x: *const X509) -> *mut EVP_PKEY;
    pub fn X509_check_private_key(x: *const X509, pkey: *const EVP_PKEY) -> c_int;

    pub fn EVP_PKEY_up_ref(k: *mut EVP_PKEY) -> c_int;
    pub fn EVP_PKEY_free(k: *mut EVP_PKEY);
    pub fn EVP_PKEY_get_base_id(k: *const EVP_PKEY) -> c_int;
    pub fn EVP_PKEY2PKCS8(k: *const EVP_PKEY) -> *mut PKCS8_PRIV_KEY_INFO;
    pub fn i2d_PKCS8_PRIV_KEY_INFO(p8: *const PKCS8_PRIV_KEY_INFO, out: *mut *mut c_uchar) -> c_int;
    pub fn PKCS8_PRIV_KEY_INFO_free(p8: *mut PKCS8_PRIV_KEY_INFO);
    pub fn d2i_AutoPrivateKey(out: *mut *mut EVP_PKEY, inp: *mut *const c_uchar, len: c_long) -> *mut EVP_PKEY;

    pub fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
    pub fn OPENSSL_sk_num(sk: *const OPENSSL_STACK) -> c_int;
    pub fn OPENSSL_sk_value(sk: *const OPENSSL_STACK, i: c_int) -> *mut c_void;
    pub fn OPENSSL_sk_push(sk: *mut OPENSSL_STACK, data: *const c_void) -> c_int;
    pub fn OPENSSL_sk_free(sk: *mut OPENSSL_STACK);
    pub fn OPENSSL_sk_pop_free(sk: *mut OPENSSL_STACK, f: Option<FreeFn>);

    pub fn d2i_X509_NAME(out: *mut *mut X509_NAME, inp: *mut *const c_uchar, len: c_long) -> *mut X509_NAME;
    pub fn i2d_X509_NAME(n: *const X509_NAME, out: *mut *mut c_uchar) -> c_int;
    pub fn X509_NAME_dup(n: *const X509_NAME) -> *mut X509_NAME;
    pub fn X509_NAME_free(n: *mut X509_NAME);
    pub fn X509_NAME_cmp(a: *const X509_NAME, b: *const X509_NAME) -> c_int;

    pub fn X509_STORE_new() -> *mut X509_STORE;
    pub fn X509_STORE_free(s: *mut X509_STORE);
    pub fn X509_STORE_load_file(s: *mut X509_STORE, file: *const c_char) -> c_int;
    pub fn X509_STORE_load_path(s: *mut X509_STORE, path: *const c_char) -> c_int;
    pub fn X509_STORE_set_default_paths(s: *mut X509_STORE) -> c_int;
    pub fn X509_STORE_CTX_new() -> *mut X509_STORE_CTX;
    pub fn X509_STORE_CTX_free(c: *mut X509_STORE_CTX);
    pub fn X509_STORE_CTX_init(
        c: *mut X509_STORE_CTX,
        store: *mut X509_STORE,
        leaf: *mut X509,
        chain: *mut OPENSSL_STACK,
    ) -> c_int;
    pub fn X509_STORE_CTX_set_ex_data(c: *mut X509_STORE_CTX, idx: c_int, data: *mut c_void) -> c_int;
    pub fn X509_STORE_CTX_get_error(c: *const X509_STORE_CTX) -> c_int;
    pub fn X509_STORE_CTX_set_default(c: *mut X509_STORE_CTX, name: *const c_char) -> c_int;
    pub fn X509_STORE_CTX_set_verify_cb(c: *mut X509_STORE_CTX, cb: Option<VerifyCb>);
    pub fn X509_STORE_CTX_get1_chain(c: *const X509_STORE_CTX) -> *mut OPENSSL_STACK;
    pub fn X509_STORE_CTX_get0_param(c: *const X509_STORE_CTX) -> *mut X509_VERIFY_PARAM;
    pub fn X509_VERIFY_PARAM_set_depth(p: *mut X509_VERIFY_PARAM, depth: c_int);
    pub fn X509_verify_cert(c: *mut X509_STORE_CTX) -> c_int;
    pub fn CRYPTO_get_ex_new_index(
        class_index: c_int,
        argl: c_long,
        argp: *mut c_void,
        new_func: *const c_void,
        dup_func: *const c_void,
        free_func: *const c_void,
    ) -> c_int;

    pub fn BIO_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO;
    pub fn BIO_new_file(path: *const c_char, mode: *const c_char) -> *mut BIO;
    pub fn BIO_free(b: *mut BIO) -> c_int;
    pub fn BIO_free_all(b: *mut BIO);
    pub fn BIO_up_ref(b: *mut BIO) -> c_int;
    pub fn BIO_read(b: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int;
    pub fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int;
    pub fn BIO_ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    pub fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int;
    pub fn PEM_read_bio_X509(b: *mut BIO, out: *mut *mut X509, cb: *const c_void, u: *mut c_void) -> *mut X509;

    pub fn CRYPTO_free(p: *mut c_void, file: *const c_char, line: c_int);

    pub fn RAND_bytes(buf: *mut c_uchar, num: c_int) -> c_int;
    pub fn RAND_priv_bytes(buf: *mut c_uchar, num: c_int) -> c_int;
    pub fn EVP_CIPHER_CTX_new() -> *mut EVP_CIPHER_CTX;
    pub fn EVP_CIPHER_CTX_free(c: *mut EVP_CIPHER_CTX);
    pub fn EVP_CIPHER_CTX_get_iv_length(c: *const EVP_CIPHER_CTX) -> c_int;
    pub fn EVP_CIPHER_CTX_get_block_size(c: *const EVP_CIPHER_CTX) -> c_int;
    pub fn EVP_aes_256_cbc() -> *const EVP_CIPHER;
    pub fn EVP_sha256() -> *const EVP_MD;
    pub fn EVP_EncryptInit_ex(
        c: *mut EVP_CIPHER_CTX,
        cipher: *const EVP_CIPHER,
        engine: *mut ENGINE,
        key: *const c_uchar,
        iv: *const c_uchar,
    ) -> c_int;
    pub fn EVP_DecryptInit_ex(
        c: *mut EVP_CIPHER_CTX,
        cipher: *const EVP_CIPHER,
        engine: *mut ENGINE,
        key: *const c_uchar,
        iv: *const c_uchar,
    ) -> c_int;
    pub fn EVP_EncryptUpdate(c: *mut EVP_CIPHER_CTX, out: *mut c_uchar, outl: *mut c_int, inp: *const c_uchar, inl: c_int) -> c_int;
    pub fn EVP_EncryptFinal_ex(c: *mut EVP_CIPHER_CTX, out: *mut c_uchar, outl: *mut c_int) -> c_int;
    pub fn EVP_DecryptUpdate(c: *mut EVP_CIPHER_CTX, out: *mut c_uchar, outl: *mut c_int, inp: *const c_uchar, inl: c_int) -> c_int;
    pub fn EVP_DecryptFinal_ex(c: *mut EVP_CIPHER_CTX, out: *mut c_uchar, outl: *mut c_int) -> c_int;
    pub fn HMAC_CTX_new() -> *mut HMAC_CTX;
    pub fn HMAC_CTX_free(c: *mut HMAC_CTX);
    pub fn HMAC_Init_ex(c: *mut HMAC_CTX, key: *const c_void, len: c_int, md: *const EVP_MD, engine: *mut ENGINE) -> c_int;
    pub fn HMAC_Update(c: *mut HMAC_CTX, data: *const c_uchar, len: usize) -> c_int;
    pub fn HMAC_Final(c: *mut HMAC_CTX, md: *mut c_uchar, len: *mut libc::c_uint) -> c_int;
    pub fn HMAC_size(c: *const HMAC_CTX) -> usize;
    pub fn EVP_MAC_fetch(libctx: *mut c_void, algorithm: *const c_char, properties: *const c_char) -> *mut EVP_MAC;
    pub fn EVP_MAC_free(mac: *mut EVP_MAC);
    pub fn EVP_MAC_CTX_new(mac: *mut EVP_MAC) -> *mut EVP_MAC_CTX;
    pub fn EVP_MAC_CTX_free(c: *mut EVP_MAC_CTX);
    pub fn EVP_MAC_update(c: *mut EVP_MAC_CTX, data: *const c_uchar, len: usize) -> c_int;
    pub fn EVP_MAC_final(c: *mut EVP_MAC_CTX, out: *mut c_uchar, outl: *mut usize, outsize: usize) -> c_int;
    pub fn EVP_MAC_CTX_get_mac_size(c: *mut EVP_MAC_CTX) -> usize;
    pub fn CRYPTO_new_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut CRYPTO_EX_DATA) -> c_int;
    pub fn CRYPTO_free_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut CRYPTO_EX_DATA);
    pub fn CRYPTO_set_ex_data(ad: *mut CRYPTO_EX_DATA, idx: c_int, val: *mut c_void) -> c_int;
    pub fn CRYPTO_get_ex_data(ad: *const CRYPTO_EX_DATA, idx: c_int) -> *mut c_void;
    pub fn CRYPTO_memcmp(a: *const c_void, b: *const c_void, len: usize) -> c_int;
}
