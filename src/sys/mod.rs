//! Declarations of the system libcrypto functions the drop-in `libssl.so.3` calls (every
//! program that links libssl loads libcrypto too), and owners for the objects they make.

/// Included rather than a module file: the header generator would otherwise declare these
/// libcrypto functions in `ssl.h`.
#[cfg(feature = "libcrypto")]
pub mod libcrypto {
    include!("libcrypto_decls.rs");
}

#[cfg(feature = "libcrypto")]
pub mod objects;
