//! `SSL_CONF_*`: configuration commands by name ("CipherString", "Groups", "MinProtocol",
//! "Options", ...), as `ssl_conf_command` in nginx and `SSLOpenSSLConfCmd` in Apache send them.
//! Each command acts on the context or connection at once, as in OpenSSL.

use libc::{c_char, c_int, c_uint};

use super::boundary::{SSL, SSL_CTX, borrow, c_str, ffi_boundary};
use super::cert::Target;
use crate::state::err::{self, LIB_SSL, reason};
use crate::state::settings::{ConnSettings, op, verify};

pub const SSL_CONF_FLAG_CMDLINE: c_uint = 0x1;
pub const SSL_CONF_FLAG_FILE: c_uint = 0x2;
pub const SSL_CONF_FLAG_CLIENT: c_uint = 0x4;
pub const SSL_CONF_FLAG_SERVER: c_uint = 0x8;
pub const SSL_CONF_FLAG_SHOW_ERRORS: c_uint = 0x10;
pub const SSL_CONF_FLAG_CERTIFICATE: c_uint = 0x20;

pub const SSL_CONF_TYPE_UNKNOWN: c_int = 0;
pub const SSL_CONF_TYPE_STRING: c_int = 1;
pub const SSL_CONF_TYPE_FILE: c_int = 2;
pub const SSL_CONF_TYPE_DIR: c_int = 3;
pub const SSL_CONF_TYPE_NONE: c_int = 4;
pub const SSL_CONF_TYPE_STORE: c_int = 5;

/// cbindgen:ignore
/// `SSL_CONF_CTX`: flags, an optional name prefix, and the context or connection it acts on
/// (not owned, as in OpenSSL: it must outlive the commands).
#[allow(non_camel_case_types)]
pub struct SSL_CONF_CTX {
    flags: c_uint,
    prefix: Option<String>,
    ctx: *mut SSL_CTX,
    ssl: *mut SSL,
}

/// One command: its file name, command-line name, the flags it needs, its value type.
struct Command {
    file: &'static str,
    cmdline: Option<&'static str>,
    needs: c_uint,
    value_type: c_int,
    run: fn(&Target<'_>, &str) -> Outcome,
}

/// What a command did: applied, refused (bad value), or not supported by this library.
enum Outcome {
    Done,
    BadValue,
    Unsupported,
}

const S: c_uint = SSL_CONF_FLAG_SERVER;
const C: c_uint = SSL_CONF_FLAG_CERTIFICATE;

const COMMANDS: &[Command] = &[
    Command {
        file: "SignatureAlgorithms",
        cmdline: Some("sigalgs"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: unsupported,
    },
    Command {
        file: "ClientSignatureAlgorithms",
        cmdline: Some("client_sigalgs"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: unsupported,
    },
    Command { file: "Curves", cmdline: Some("curves"), needs: 0, value_type: SSL_CONF_TYPE_STRING, run: groups },
    Command { file: "Groups", cmdline: Some("groups"), needs: 0, value_type: SSL_CONF_TYPE_STRING, run: groups },
    Command {
        file: "ECDHParameters",
        cmdline: Some("named_curve"),
        needs: S,
        value_type: SSL_CONF_TYPE_STRING,
        run: ecdh_parameters,
    },
    Command {
        file: "CipherString",
        cmdline: Some("cipher"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: cipher_string,
    },
    Command {
        file: "Ciphersuites",
        cmdline: Some("ciphersuites"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: ciphersuites,
    },
    Command { file: "Protocol", cmdline: None, needs: 0, value_type: SSL_CONF_TYPE_STRING, run: protocol },
    Command {
        file: "MinProtocol",
        cmdline: Some("min_protocol"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: min_protocol,
    },
    Command {
        file: "MaxProtocol",
        cmdline: Some("max_protocol"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: max_protocol,
    },
    Command { file: "Options", cmdline: None, needs: 0, value_type: SSL_CONF_TYPE_STRING, run: options },
    Command { file: "VerifyMode", cmdline: None, needs: 0, value_type: SSL_CONF_TYPE_STRING, run: verify_mode },
    Command { file: "Certificate", cmdline: Some("cert"), needs: C, value_type: SSL_CONF_TYPE_FILE, run: certificate },
    Command { file: "PrivateKey", cmdline: Some("key"), needs: C, value_type: SSL_CONF_TYPE_FILE, run: private_key },
    Command { file: "ServerInfoFile", cmdline: None, needs: S | C, value_type: SSL_CONF_TYPE_FILE, run: unsupported },
    Command {
        file: "ChainCAPath",
        cmdline: Some("chainCApath"),
        needs: C,
        value_type: SSL_CONF_TYPE_DIR,
        run: unsupported,
    },
    Command {
        file: "ChainCAFile",
        cmdline: Some("chainCAfile"),
        needs: C,
        value_type: SSL_CONF_TYPE_FILE,
        run: unsupported,
    },
    Command {
        file: "ChainCAStore",
        cmdline: Some("chainCAstore"),
        needs: C,
        value_type: SSL_CONF_TYPE_STORE,
        run: unsupported,
    },
    Command {
        file: "VerifyCAPath",
        cmdline: Some("verifyCApath"),
        needs: C,
        value_type: SSL_CONF_TYPE_DIR,
        run: unsupported,
    },
    Command {
        file: "VerifyCAFile",
        cmdline: Some("verifyCAfile"),
        needs: C,
        value_type: SSL_CONF_TYPE_FILE,
        run: unsupported,
    },
    Command {
        file: "VerifyCAStore",
        cmdline: Some("verifyCAstore"),
        needs: C,
        value_type: SSL_CONF_TYPE_STORE,
        run: unsupported,
    },
    Command {
        file: "RequestCAFile",
        cmdline: Some("requestCAFile"),
        needs: C,
        value_type: SSL_CONF_TYPE_FILE,
        run: unsupported,
    },
    Command { file: "ClientCAFile", cmdline: None, needs: S | C, value_type: SSL_CONF_TYPE_FILE, run: unsupported },
    Command { file: "RequestCAPath", cmdline: None, needs: C, value_type: SSL_CONF_TYPE_DIR, run: unsupported },
    Command { file: "ClientCAPath", cmdline: None, needs: S | C, value_type: SSL_CONF_TYPE_DIR, run: unsupported },
    Command {
        file: "RequestCAStore",
        cmdline: Some("requestCAStore"),
        needs: C,
        value_type: SSL_CONF_TYPE_STORE,
        run: unsupported,
    },
    Command { file: "ClientCAStore", cmdline: None, needs: S | C, value_type: SSL_CONF_TYPE_STORE, run: unsupported },
    Command {
        file: "DHParameters",
        cmdline: Some("dhparam"),
        needs: S | C,
        value_type: SSL_CONF_TYPE_FILE,
        run: unsupported,
    },
    Command {
        file: "RecordPadding",
        cmdline: Some("record_padding"),
        needs: 0,
        value_type: SSL_CONF_TYPE_STRING,
        run: unsupported,
    },
    Command {
        file: "NumTickets",
        cmdline: Some("num_tickets"),
        needs: S,
        value_type: SSL_CONF_TYPE_STRING,
        run: num_tickets,
    },
];

fn unsupported(_: &Target<'_>, _: &str) -> Outcome {
    Outcome::Unsupported
}

fn settings<R>(t: &Target<'_>, f: impl FnOnce(&mut ConnSettings) -> R) -> R {
    match t {
        Target::Ctx(ctx) => f(&mut ctx.tls.write().conn),
        Target::Ssl(s) => s.update_settings(f),
    }
}

fn done(ok: bool) -> Outcome {
    if ok { Outcome::Done } else { Outcome::BadValue }
}

fn groups(t: &Target<'_>, v: &str) -> Outcome {
    match crate::tls::config::parse_groups(v) {
        Ok(ids) => settings(t, |c| c.groups = Some(ids.into())),
        Err(_) => return Outcome::BadValue,
    }
    Outcome::Done
}

fn ecdh_parameters(t: &Target<'_>, v: &str) -> Outcome {
    if v.eq_ignore_ascii_case("+automatic") || v.eq_ignore_ascii_case("automatic") {
        return Outcome::Done;
    }
    if v.contains(':') {
        return Outcome::BadValue;
    }
    groups(t, v)
}

fn cipher_string(t: &Target<'_>, v: &str) -> Outcome {
    done(
        settings(t, |c| crate::core::cipher_list::tls12_from_string(v).map(|ids| c.tls12_suites = Some(ids.into())))
            .is_ok(),
    )
}

fn ciphersuites(t: &Target<'_>, v: &str) -> Outcome {
    done(
        settings(t, |c| crate::core::cipher_list::tls13_from_string(v).map(|ids| c.tls13_suites = Some(ids.into())))
            .is_ok(),
    )
}

/// A version name ("TLSv1.2", "None") as `MinProtocol` takes it.
fn version_of(v: &str) -> Option<i32> {
    const VERSIONS: &[(&str, i32)] = &[
        ("None", 0),
        ("SSLv3", 0x0300),
        ("TLSv1", 0x0301),
        ("TLSv1.1", 0x0302),
        ("TLSv1.2", 0x0303),
        ("TLSv1.3", 0x0304),
    ];
    VERSIONS.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)).map(|&(_, ver)| ver)
}

fn min_protocol(t: &Target<'_>, v: &str) -> Outcome {
    let Some(ver) = version_of(v) else { return Outcome::BadValue };
    settings(t, |c| c.min_version = ver);
    Outcome::Done
}

fn max_protocol(t: &Target<'_>, v: &str) -> Outcome {
    let Some(ver) = version_of(v) else { return Outcome::BadValue };
    settings(t, |c| c.max_version = ver);
    Outcome::Done
}

/// A ','-separated list of names, each optionally prefixed by '+' (on) or '-' (off), spaces
/// around them ignored (OpenSSL's `CONF_parse_list`); `apply` says whether it knew the name.
fn flag_list(v: &str, mut apply: impl FnMut(&str, bool) -> bool) -> bool {
    v.split(',').map(str::trim).filter(|e| !e.is_empty()).all(|e| {
        let (on, name) = match e.as_bytes()[0] {
            b'+' => (true, &e[1..]),
            b'-' => (false, &e[1..]),
            _ => (true, e),
        };
        apply(name, on)
    })
}

fn set_bits(options: &mut u64, bits: u64, on: bool) {
    if on {
        *options |= bits;
    } else {
        *options &= !bits;
    }
}

fn protocol(t: &Target<'_>, v: &str) -> Outcome {
    const NO_SSL3: u64 = 1 << 25;
    const NO_TLS1: u64 = 1 << 26;
    const NO_TLS1_1: u64 = 1 << 28;
    const ALL: u64 = NO_SSL3 | NO_TLS1 | NO_TLS1_1 | op::NO_TLSV1_2 | op::NO_TLSV1_3;
    const NAMES: &[(&str, u64)] = &[
        ("ALL", ALL),
        ("SSLv2", 0),
        ("SSLv3", NO_SSL3),
        ("TLSv1", NO_TLS1),
        ("TLSv1.1", NO_TLS1_1),
        ("TLSv1.2", op::NO_TLSV1_2),
        ("TLSv1.3", op::NO_TLSV1_3),
        ("DTLSv1", NO_TLS1),
        ("DTLSv1.2", op::NO_TLSV1_2),
    ];
    done(settings(t, |c| {
        flag_list(v, |name, on| match NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            // The names turn protocols on: their NO_ option bit off.
            Some(&(_, bits)) => {
                set_bits(&mut c.options, bits, !on);
                true
            }
            None => false,
        })
    }))
}

fn options(t: &Target<'_>, v: &str) -> Outcome {
    // (name, bits, inverted); OpenSSL 3.0's list.
    const NAMES: &[(&str, u64, bool)] = &[
        ("SessionTicket", op::NO_TICKET, true),
        ("EmptyFragments", 1 << 11, true),
        ("Bugs", 0x8000_0850, false),
        ("Compression", 1 << 17, true),
        ("ServerPreference", op::CIPHER_SERVER_PREFERENCE, false),
        ("NoResumptionOnRenegotiation", 1 << 16, false),
        ("DHSingle", 0, false),
        ("ECDHSingle", 0, false),
        ("UnsafeLegacyRenegotiation", 1 << 18, false),
        ("UnsafeLegacyServerConnect", 1 << 2, false),
        ("ClientRenegotiation", 1 << 8, false),
        ("EncryptThenMac", 1 << 19, true),
        ("NoRenegotiation", 1 << 30, false),
        ("AllowNoDHEKEX", 1 << 10, false),
        ("PrioritizeChaCha", 1 << 21, false),
        ("MiddleboxCompat", 1 << 20, false),
        ("AntiReplay", 1 << 24, true),
        ("ExtendedMasterSecret", 1 << 0, true),
        ("CANames", 1 << 9, true),
        ("KTLS", 1 << 3, false),
    ];
    done(settings(t, |c| {
        flag_list(v, |name, on| match NAMES.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)) {
            Some(&(_, bits, inverted)) => {
                set_bits(&mut c.options, bits, on != inverted);
                true
            }
            None => false,
        })
    }))
}

fn verify_mode(t: &Target<'_>, v: &str) -> Outcome {
    done(settings(t, |c| {
        flag_list(v, |name, on| {
            let bits = match name.to_ascii_lowercase().as_str() {
                "peer" | "request" => verify::PEER,
                "require" => verify::PEER | verify::FAIL_IF_NO_PEER_CERT,
                "once" => 0x04,
                "requestposthandshake" => verify::PEER | 0x08,
                "requireposthandshake" => verify::PEER | verify::FAIL_IF_NO_PEER_CERT | 0x08,
                _ => return false,
            };
            if on {
                c.verify_mode |= bits;
            } else {
                c.verify_mode &= !bits;
            }
            true
        })
    }))
}

fn num_tickets(t: &Target<'_>, v: &str) -> Outcome {
    // As atoi: leading digits; a negative count is refused.
    let digits: String = v.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    match digits.parse::<i64>() {
        Ok(n) if n >= 0 => {
            settings(t, |c| c.num_tickets = n as usize);
            Outcome::Done
        }
        _ => Outcome::BadValue,
    }
}

fn with_path<R>(v: &str, f: impl FnOnce(*const c_char) -> R) -> Option<R> {
    let p = std::ffi::CString::new(v).ok()?;
    Some(f(p.as_ptr()))
}

fn certificate(t: &Target<'_>, v: &str) -> Outcome {
    let r = with_path(v, |p| match t {
        // SAFETY: live objects; `p` is NUL-terminated.
        Target::Ctx(ctx) => unsafe { super::cert::SSL_CTX_use_certificate_chain_file(SSL_CTX::handle(ctx), p) },
        Target::Ssl(s) => unsafe { super::cert::SSL_use_certificate_chain_file(SSL::handle(s), p) },
    });
    done(r == Some(1))
}

fn private_key(t: &Target<'_>, v: &str) -> Outcome {
    const PEM: c_int = super::consts::SSL_FILETYPE_PEM;
    let r = with_path(v, |p| match t {
        // SAFETY: live objects; `p` is NUL-terminated.
        Target::Ctx(ctx) => unsafe { super::cert::SSL_CTX_use_PrivateKey_file(SSL_CTX::handle(ctx), p, PEM) },
        Target::Ssl(s) => unsafe { super::cert::SSL_use_PrivateKey_file(SSL::handle(s), p, PEM) },
    });
    done(r == Some(1))
}

use super::boundary::ArcHandle;

impl SSL_CONF_CTX {
    /// The command a name stands for under these flags (prefix skipped).
    fn lookup(&self, name: &str) -> Option<&'static Command> {
        let name = match &self.prefix {
            Some(p) => {
                if name.len() <= p.len() || !name[..p.len()].eq_ignore_ascii_case(p) {
                    return None;
                }
                &name[p.len()..]
            }
            None if self.flags & SSL_CONF_FLAG_CMDLINE != 0 => name.strip_prefix('-').filter(|n| !n.is_empty())?,
            None => name,
        };
        let allowed = |c: &Command| {
            (c.needs & SSL_CONF_FLAG_SERVER == 0 || self.flags & SSL_CONF_FLAG_SERVER != 0)
                && (c.needs & SSL_CONF_FLAG_CERTIFICATE == 0 || self.flags & SSL_CONF_FLAG_CERTIFICATE != 0)
        };
        COMMANDS.iter().filter(|c| allowed(c)).find(|c| {
            (self.flags & SSL_CONF_FLAG_CMDLINE != 0 && c.cmdline == Some(name))
                || (self.flags & SSL_CONF_FLAG_FILE != 0 && c.file.eq_ignore_ascii_case(name))
        })
    }
}

/// A new configuration context (free it with `SSL_CONF_CTX_free`); no flags, no target.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_CONF_CTX_new() -> *mut SSL_CONF_CTX {
    ffi_boundary!(std::ptr::null_mut(), {
        Some(Box::into_raw(Box::new(SSL_CONF_CTX {
            flags: 0,
            prefix: None,
            ctx: std::ptr::null_mut(),
            ssl: std::ptr::null_mut(),
        })))
    })
}

/// Frees a configuration context; NULL is ignored. Its target is not touched.
///
/// # Safety
/// `cctx` is NULL or from `SSL_CONF_CTX_new`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_free(cctx: *mut SSL_CONF_CTX) {
    ffi_boundary!((), {
        if !cctx.is_null() {
            // SAFETY: made by `SSL_CONF_CTX_new` (this function's contract).
            drop(unsafe { Box::from_raw(cctx) });
        }
        Some(())
    })
}

/// Adds flags (`SSL_CONF_FLAG_FILE`, `_CMDLINE`, `_SERVER`, `_CLIENT`, `_CERTIFICATE`,
/// `_SHOW_ERRORS`); returns the flags now set, 0 for NULL.
///
/// # Safety
/// `cctx` is NULL or a live configuration context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
    ffi_boundary!(0, {
        // SAFETY: NULL or live (this function's contract).
        let c = unsafe { cctx.as_mut() }?;
        c.flags |= flags;
        Some(c.flags)
    })
}

/// Removes flags; returns the flags now set, 0 for NULL.
///
/// # Safety
/// `cctx` is NULL or a live configuration context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_clear_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
    ffi_boundary!(0, {
        // SAFETY: NULL or live (this function's contract).
        let c = unsafe { cctx.as_mut() }?;
        c.flags &= !flags;
        Some(c.flags)
    })
}

/// Makes the commands act on `ctx` (NULL: none).
///
/// # Safety
/// `cctx` is NULL or a live configuration context; `ctx` is NULL or a live context that
/// outlives the commands.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl_ctx(cctx: *mut SSL_CONF_CTX, ctx: *mut SSL_CTX) {
    ffi_boundary!((), {
        // SAFETY: NULL or live (this function's contract).
        let c = unsafe { cctx.as_mut() }?;
        c.ctx = ctx;
        c.ssl = std::ptr::null_mut();
        Some(())
    })
}

/// Makes the commands act on `ssl` (NULL: none).
///
/// # Safety
/// `cctx` is NULL or a live configuration context; `ssl` is NULL or a live connection that
/// outlives the commands.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl(cctx: *mut SSL_CONF_CTX, ssl: *mut SSL) {
    ffi_boundary!((), {
        // SAFETY: NULL or live (this function's contract).
        let c = unsafe { cctx.as_mut() }?;
        c.ssl = ssl;
        c.ctx = std::ptr::null_mut();
        Some(())
    })
}

/// Sets a prefix every command name must start with (NULL: none): 1, 0 for NULL `cctx`.
///
/// # Safety
/// `cctx` is NULL or a live configuration context; `pre` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_set1_prefix(cctx: *mut SSL_CONF_CTX, pre: *const c_char) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: NULL or live / NUL-terminated (this function's contract).
        let (c, pre) = unsafe { (cctx.as_mut()?, c_str(pre)) };
        c.prefix = pre.map(str::to_owned);
        Some(1)
    })
}

/// The type of value a command takes (`SSL_CONF_TYPE_STRING`, `_FILE`, `_DIR`, `_NONE`,
/// `_STORE`), or `SSL_CONF_TYPE_UNKNOWN` for a name not known under the context's flags.
///
/// # Safety
/// `cctx` is NULL or a live configuration context; `cmd` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_cmd_value_type(cctx: *mut SSL_CONF_CTX, cmd: *const c_char) -> c_int {
    ffi_boundary!(SSL_CONF_TYPE_UNKNOWN, {
        // SAFETY: NULL or live / NUL-terminated (this function's contract).
        let (c, cmd) = unsafe { (cctx.as_ref()?, c_str(cmd)?) };
        Some(c.lookup(cmd).map_or(SSL_CONF_TYPE_UNKNOWN, |k| k.value_type))
    })
}

/// Runs one command: 2 when applied (its value used), 0 for a bad value or a command this
/// library cannot carry out (`SSL_R_BAD_VALUE` queued for the latter always, and for the
/// former with `SSL_CONF_FLAG_SHOW_ERRORS`), -2 for an unknown command, -3 for a missing
/// value. Supported: Groups/Curves, ECDHParameters, CipherString, Ciphersuites, Protocol,
/// MinProtocol, MaxProtocol, Options, VerifyMode, NumTickets, Certificate, PrivateKey.
///
/// # Safety
/// `cctx` is NULL or a live configuration context (its target live); `cmd` and `value` are NULL
/// or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_cmd(cctx: *mut SSL_CONF_CTX, cmd: *const c_char, value: *const c_char) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: NULL or live (this function's contract).
        let c = unsafe { cctx.as_ref() }?;
        // SAFETY: NULL or NUL-terminated.
        let Some(name) = (unsafe { c_str(cmd) }) else {
            err::raise(LIB_SSL, reason::INVALID_NULL_CMD_NAME);
            return Some(0);
        };
        let show = c.flags & SSL_CONF_FLAG_SHOW_ERRORS != 0;
        let Some(command) = c.lookup(name) else {
            if show {
                err::raise(LIB_SSL, reason::UNKNOWN_CMD_NAME);
            }
            return Some(-2);
        };
        // SAFETY: NULL or NUL-terminated.
        let Some(value) = (unsafe { c_str(value) }) else {
            if show {
                err::raise(LIB_SSL, reason::BAD_VALUE);
            }
            return Some(-3);
        };
        // SAFETY: the target outlives the commands (this function's contract).
        let (ctx, ssl) = unsafe { (borrow(c.ctx), borrow(c.ssl)) };
        let target = match (&ctx, &ssl) {
            (Some(ctx), _) => Target::Ctx(ctx),
            (None, Some(s)) => Target::Ssl(s),
            // No target: OpenSSL's commands do nothing and succeed.
            (None, None) => return Some(2),
        };
        Some(match (command.run)(&target, value) {
            Outcome::Done => 2,
            Outcome::BadValue => {
                if show {
                    err::raise(LIB_SSL, reason::BAD_VALUE);
                }
                0
            }
            Outcome::Unsupported => {
                err::raise(LIB_SSL, reason::BAD_VALUE);
                0
            }
        })
    })
}

/// Ends a series of commands: 1 (0 for NULL).
///
/// # Safety
/// `cctx` is NULL or a live configuration context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CONF_CTX_finish(cctx: *mut SSL_CONF_CTX) -> c_int {
    ffi_boundary!(0, {
        // SAFETY: NULL or live (this function's contract).
        unsafe { cctx.as_ref() }?;
        Some(1)
    })
}
