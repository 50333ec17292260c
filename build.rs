//! Generates the C header from the `extern "C"` items into `target/include/openssl/ssl.h`;
//! `make header` copies it to the committed `include/openssl/ssl.h`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| crate_dir.join("target"), PathBuf::from);
    let out = target_dir.join("include").join("openssl").join("ssl.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(bindings) => {
            bindings.write_to_file(out);
        }
        // A half-edited source tree must not stop `cargo build` from reporting the real error.
        Err(e) => println!("cargo:warning=header not generated: {e}"),
    }
}
