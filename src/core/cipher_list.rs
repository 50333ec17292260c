//! OpenSSL 3.0's cipher strings (`SSL_CTX_set_cipher_list`: "HIGH:!aNULL:+RSA:@STRENGTH")
//! evaluated over the TLS 1.2 suites this library can negotiate, and TLS 1.3 suite lists
//! (`SSL_CTX_set_ciphersuites`).
//!
//! OpenSSL keeps one ordered list of all its suites, each active or not, and each rule moves
//! the suites it matches (to the end, to the front, out). Restricting that list to a subset
//! commutes with every rule, so running the same rules over our suites, starting from their
//! order in OpenSSL's initial list, gives exactly OpenSSL's result restricted to them.

/// Key exchange, authentication, encryption and MAC classes (OpenSSL's `SSL_k*`, `SSL_a*`,
/// `SSL_*` bit families), only the bits our suites have or aliases test.
mod bits {
    pub const K_RSA: u32 = 1 << 0;
    pub const K_DHE: u32 = 1 << 1;
    pub const K_ECDHE: u32 = 1 << 2;
    pub const K_PSK: u32 = 1 << 3;
    pub const K_OTHER_PSK: u32 = 1 << 4;
    pub const K_SRP: u32 = 1 << 5;
    pub const K_GOST: u32 = 1 << 6;

    pub const A_RSA: u32 = 1 << 0;
    pub const A_DSS: u32 = 1 << 1;
    pub const A_NULL: u32 = 1 << 2;
    pub const A_ECDSA: u32 = 1 << 3;
    pub const A_PSK: u32 = 1 << 4;
    pub const A_GOST: u32 = 1 << 5;
    pub const A_SRP: u32 = 1 << 6;

    pub const E_AES128GCM: u32 = 1 << 0;
    pub const E_AES256GCM: u32 = 1 << 1;
    pub const E_CHACHA20: u32 = 1 << 2;
    pub const E_NULL: u32 = 1 << 3;
    pub const E_AES_OTHER: u32 = 1 << 4;
    pub const E_OTHER: u32 = 1 << 5;
    pub const E_ALL: u32 = !0;

    pub const M_AEAD: u32 = 1 << 0;
    pub const M_MD5: u32 = 1 << 1;
    pub const M_SHA1: u32 = 1 << 2;
    pub const M_SHA256: u32 = 1 << 3;
    pub const M_SHA384: u32 = 1 << 4;
    pub const M_OTHER: u32 = 1 << 5;

    pub const S_LOW: u32 = 1 << 0;
    pub const S_MEDIUM: u32 = 1 << 1;
    pub const S_HIGH: u32 = 1 << 2;
    pub const S_FIPS: u32 = 1 << 3;
    pub const S_STRONG: u32 = S_LOW | S_MEDIUM | S_HIGH | S_FIPS;
    pub const S_NOT_DEFAULT: u32 = 1 << 4;
}
use bits::*;

/// A suite as the rules see it.
#[derive(Clone, Copy, Debug)]
struct Suite {
    id: u16,
    name: &'static str,
    kx: u32,
    auth: u32,
    enc: u32,
    mac: u32,
    min_tls: u16,
    strength: u32,
    bits: u32,
}

const TLS1_2: u16 = 0x0303;

/// The TLS 1.2 suites rustls offers, in the order OpenSSL 3.0's initial list has them.
const TLS12_SUITES: [Suite; 6] = [
    suite(0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384", A_ECDSA, E_AES256GCM, S_HIGH | S_FIPS, 256),
    suite(0xc030, "ECDHE-RSA-AES256-GCM-SHA384", A_RSA, E_AES256GCM, S_HIGH | S_FIPS, 256),
    suite(0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305", A_ECDSA, E_CHACHA20, S_HIGH, 256),
    suite(0xcca8, "ECDHE-RSA-CHACHA20-POLY1305", A_RSA, E_CHACHA20, S_HIGH, 256),
    suite(0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256", A_ECDSA, E_AES128GCM, S_HIGH | S_FIPS, 128),
    suite(0xc02f, "ECDHE-RSA-AES128-GCM-SHA256", A_RSA, E_AES128GCM, S_HIGH | S_FIPS, 128),
];

const fn suite(id: u16, name: &'static str, auth: u32, enc: u32, strength: u32, bits: u32) -> Suite {
    Suite { id, name, kx: K_ECDHE, auth, enc, mac: M_AEAD, min_tls: TLS1_2, strength, bits }
}

/// A pattern: what a rule matches (0 = any, as OpenSSL's masks).
#[derive(Clone, Copy, Debug, Default)]
struct Pattern {
    id: Option<u16>,
    kx: u32,
    auth: u32,
    enc: u32,
    mac: u32,
    min_tls: u16,
    strength: u32,
}

/// An alias of OpenSSL 3.0's table, or an explicit suite name.
fn alias(name: &str) -> Option<Pattern> {
    let p = |kx, auth, enc, mac| Pattern { kx, auth, enc, mac, ..Pattern::default() };
    let strength = |s| Pattern { strength: s, ..Pattern::default() };
    let version = |v| Pattern { min_tls: v, ..Pattern::default() };
    const AES_ALL: u32 = E_AES128GCM | E_AES256GCM | E_AES_OTHER;
    Some(match name {
        "ALL" => p(0, 0, E_ALL & !E_NULL, 0),
        "COMPLEMENTOFALL" | "eNULL" | "NULL" => p(0, 0, E_NULL, 0),
        "COMPLEMENTOFDEFAULT" => strength(S_NOT_DEFAULT),
        "kRSA" => p(K_RSA, 0, 0, 0),
        "kEDH" | "kDHE" | "DH" => p(K_DHE, 0, 0, 0),
        "kEECDH" | "kECDHE" | "ECDH" => p(K_ECDHE, 0, 0, 0),
        "kPSK" => p(K_PSK, 0, 0, 0),
        "kRSAPSK" | "kECDHEPSK" | "kDHEPSK" => p(K_OTHER_PSK, 0, 0, 0),
        "kSRP" | "SRP" => p(K_SRP, 0, 0, 0),
        "kGOST" | "kGOST18" => p(K_GOST, 0, 0, 0),
        "aRSA" => p(0, A_RSA, 0, 0),
        "aDSS" | "DSS" => p(0, A_DSS, 0, 0),
        "aNULL" => p(0, A_NULL, 0, 0),
        "aECDSA" | "ECDSA" => p(0, A_ECDSA, 0, 0),
        "aPSK" => p(0, A_PSK, 0, 0),
        "aGOST01" | "aGOST12" | "aGOST" => p(0, A_GOST, 0, 0),
        "aSRP" => p(0, A_SRP, 0, 0),
        "EDH" | "DHE" => p(K_DHE, !A_NULL, 0, 0),
        "EECDH" | "ECDHE" => p(K_ECDHE, !A_NULL, 0, 0),
        "RSA" => p(K_RSA, A_RSA, 0, 0),
        "ADH" => p(K_DHE, A_NULL, 0, 0),
        "AECDH" => p(K_ECDHE, A_NULL, 0, 0),
        "PSK" => p(K_PSK | K_OTHER_PSK, 0, 0, 0),
        "3DES"
        | "RC4"
        | "RC2"
        | "IDEA"
        | "SEED"
        | "GOST89"
        | "CAMELLIA128"
        | "CAMELLIA256"
        | "CAMELLIA"
        | "GOST2012-GOST8912-GOST8912"
        | "ARIA"
        | "ARIAGCM"
        | "ARIA128"
        | "ARIA256"
        | "AESCCM"
        | "AESCCM8"
        | "CBC" => p(0, 0, E_OTHER, 0),
        "AES128" => p(0, 0, E_AES128GCM | E_AES_OTHER, 0),
        "AES256" => p(0, 0, E_AES256GCM | E_AES_OTHER, 0),
        "AES" => p(0, 0, AES_ALL, 0),
        "AESGCM" => p(0, 0, E_AES128GCM | E_AES256GCM, 0),
        "CHACHA20" => p(0, 0, E_CHACHA20, 0),
        "MD5" => p(0, 0, 0, M_MD5),
        "SHA1" | "SHA" => p(0, 0, 0, M_SHA1),
        "SHA256" => p(0, 0, 0, M_SHA256),
        "SHA384" => p(0, 0, 0, M_SHA384),
        "GOST94" | "GOST89MAC" | "GOST12" => p(0, 0, 0, M_OTHER),
        "SSLv3" => version(0x0300),
        "TLSv1" | "TLSv1.0" => version(0x0301),
        "TLSv1.2" => version(TLS1_2),
        "LOW" => strength(S_LOW),
        "MEDIUM" => strength(S_MEDIUM),
        "HIGH" => strength(S_HIGH),
        "FIPS" => Pattern { enc: E_ALL & !E_NULL, strength: S_FIPS, ..Pattern::default() },
        _ => {
            // An explicit suite: one of ours, or one OpenSSL knows (then it matches nothing
            // here, but is still "found").
            if let Some(s) = TLS12_SUITES.iter().find(|s| s.name == name) {
                return Some(Pattern { id: Some(s.id), ..Pattern::default() });
            }
            if super::cipher::CIPHERS.iter().any(|c| c.1.to_bytes() == name.as_bytes()) {
                return Some(Pattern { id: Some(0), ..Pattern::default() });
            }
            return None;
        }
    })
}

impl Pattern {
    fn matches(&self, s: &Suite) -> bool {
        if let Some(id) = self.id {
            return id == s.id;
        }
        (self.kx == 0 || self.kx & s.kx != 0)
            && (self.auth == 0 || self.auth & s.auth != 0)
            && (self.enc == 0 || self.enc & s.enc != 0)
            && (self.mac == 0 || self.mac & s.mac != 0)
            && (self.min_tls == 0 || self.min_tls == s.min_tls)
            && (self.strength & S_STRONG == 0 || self.strength & S_STRONG & s.strength != 0)
            && (self.strength & S_NOT_DEFAULT == 0 || s.strength & S_NOT_DEFAULT != 0)
    }

    /// `alias1+alias2`: both must hold (OpenSSL ANDs the masks; an empty intersection makes
    /// the whole item match nothing).
    fn and(self, other: Pattern) -> Option<Pattern> {
        if other.id.is_some() {
            // An explicit suite name keeps only its id; the version of the others is dropped.
            return Some(Pattern { id: other.id, ..self });
        }
        let both = |a: u32, b: u32| -> Option<u32> {
            match (a, b) {
                (0, b) => Some(b),
                (a, 0) => Some(a),
                (a, b) if a & b != 0 => Some(a & b),
                _ => None,
            }
        };
        let min_tls = match (self.min_tls, other.min_tls) {
            (0, v) | (v, 0) => v,
            (a, b) if a == b => a,
            _ => return None,
        };
        let strong = both(self.strength & S_STRONG, other.strength & S_STRONG)?;
        let not_default = (self.strength | other.strength) & S_NOT_DEFAULT;
        Some(Pattern {
            id: self.id,
            kx: both(self.kx, other.kx)?,
            auth: both(self.auth, other.auth)?,
            enc: both(self.enc, other.enc)?,
            mac: both(self.mac, other.mac)?,
            min_tls,
            strength: strong | not_default,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    Add,
    Del,
    Ord,
    Kill,
}

/// OpenSSL's working list: every suite in order, each active or not.
struct List(Vec<(Suite, bool)>);

impl List {
    fn apply(&mut self, rule: Rule, p: &Pattern, strength_bits: Option<u32>) {
        let hit = |s: &Suite| strength_bits.map_or_else(|| p.matches(s), |b| s.bits == b);
        match rule {
            // ADD: inactive matches become active, at the end; ORD (+): active ones move to the
            // end; DEL (-): active ones become inactive, at the front. Each keeps their order.
            Rule::Add => self.split(|s, active| !active && hit(s), true, false),
            Rule::Ord => self.split(|s, active| active && hit(s), true, false),
            Rule::Del => self.split(|s, active| active && hit(s), false, true),
            Rule::Kill => self.0.retain(|(s, _)| !hit(s)),
        }
    }

    /// Moves the suites `moves` picks to the end (or the front), setting them `active`.
    fn split(&mut self, moves: impl Fn(&Suite, bool) -> bool, active: bool, front: bool) {
        let (mut moved, mut stay) = (Vec::new(), Vec::new());
        for (s, a) in self.0.drain(..) {
            if moves(&s, a) { moved.push((s, active)) } else { stay.push((s, a)) }
        }
        self.0 = if front { moved.into_iter().chain(stay).collect() } else { stay.into_iter().chain(moved).collect() };
    }

    /// `@STRENGTH`: active suites by strength bits, strongest first, stable.
    fn strength_sort(&mut self) {
        let mut bits: Vec<u32> = self.0.iter().filter(|(_, a)| *a).map(|(s, _)| s.bits).collect();
        bits.sort_unstable_by(|a, b| b.cmp(a));
        bits.dedup();
        for b in bits {
            self.apply(Rule::Ord, &Pattern::default(), Some(b));
        }
    }
}

/// Why a cipher string was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListError {
    /// A character OpenSSL does not accept, or an unknown `@` command (`SSL_R_INVALID_COMMAND`).
    InvalidCommand,
    /// No suite this library can negotiate is left (`SSL_R_NO_CIPHER_MATCH`).
    NoMatch,
}

fn is_separator(c: char) -> bool {
    matches!(c, ':' | ' ' | ';' | ',')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')
}

/// Evaluates a cipher string: the TLS 1.2 suites, in preference order.
pub fn tls12_from_string(rules: &str) -> Result<Vec<u16>, ListError> {
    let mut list = List(TLS12_SUITES.iter().map(|s| (*s, false)).collect());
    let mut rest = rules;
    // A leading DEFAULT is OpenSSL's default list (for these suites, all of them).
    if let Some(r) = rest.strip_prefix("DEFAULT") {
        list.apply(Rule::Add, &alias("ALL").expect("ALL is an alias"), None);
        rest = r.strip_prefix(':').unwrap_or(r);
    }
    process(&mut list, rest)?;
    let out: Vec<u16> = list.0.iter().filter(|(_, a)| *a).map(|(s, _)| s.id).collect();
    if out.is_empty() {
        return Err(ListError::NoMatch);
    }
    Ok(out)
}

fn process(list: &mut List, rules: &str) -> Result<(), ListError> {
    let mut chars = rules.chars().peekable();
    while let Some(&c) = chars.peek() {
        if is_separator(c) {
            chars.next();
            continue;
        }
        let rule = match c {
            '-' => Some(Rule::Del),
            '+' => Some(Rule::Ord),
            '!' => Some(Rule::Kill),
            '@' => None,
            _ => Some(Rule::Add),
        };
        if rule != Some(Rule::Add) {
            chars.next();
        }
        // One item: names joined by '+'.
        let mut names = Vec::new();
        loop {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if !is_name_char(c) {
                    break;
                }
                name.push(c);
                chars.next();
            }
            if name.is_empty() {
                return Err(ListError::InvalidCommand);
            }
            names.push(name);
            if chars.peek() == Some(&'+') {
                chars.next();
                continue;
            }
            break;
        }
        let Some(rule) = rule else {
            match names[0].as_str() {
                "STRENGTH" => list.strength_sort(),
                n if n.starts_with("SECLEVEL=") && n[9..].parse::<u8>().is_ok_and(|l| l <= 5) => {}
                _ => return Err(ListError::InvalidCommand),
            }
            continue;
        };
        // An unknown name makes OpenSSL skip the item.
        let mut pattern = Some(Pattern::default());
        for n in &names {
            pattern = match (pattern, alias(n)) {
                (Some(p), Some(a)) => p.and(a),
                _ => None,
            };
        }
        if let Some(p) = pattern
            && p.id != Some(0)
        {
            list.apply(rule, &p, None);
        }
    }
    Ok(())
}

/// The TLS 1.3 suites by their standard names, as `SSL_CTX_set_ciphersuites` takes them;
/// names OpenSSL knows that rustls does not offer, and unknown names, are skipped as OpenSSL
/// skips unknown ones. `Err` for a malformed list (an empty element).
pub fn tls13_from_string(list: &str) -> Result<Vec<u16>, ListError> {
    let mut out = Vec::new();
    if list.is_empty() {
        return Ok(out);
    }
    for name in list.split(':') {
        if name.is_empty() {
            return Err(ListError::InvalidCommand);
        }
        let id = match name {
            "TLS_AES_128_GCM_SHA256" => 0x1301,
            "TLS_AES_256_GCM_SHA384" => 0x1302,
            "TLS_CHACHA20_POLY1305_SHA256" => 0x1303,
            _ => continue,
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(rules: &str) -> Result<Vec<&'static str>, ListError> {
        tls12_from_string(rules)
            .map(|ids| ids.iter().map(|id| TLS12_SUITES.iter().find(|s| s.id == *id).unwrap().name).collect())
    }

    // Expected orders are `openssl ciphers` (3.0) output restricted to these six suites.
    #[test]
    fn common_strings() {
        let all = names("ALL").unwrap();
        assert_eq!(all, TLS12_SUITES.iter().map(|s| s.name).collect::<Vec<_>>());
        assert_eq!(names("HIGH:!aNULL:!MD5").unwrap(), all);
        assert_eq!(names("DEFAULT").unwrap(), all);
        assert_eq!(
            names("ECDHE+AESGCM:ECDHE+CHACHA20").unwrap(),
            [
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "ECDHE-RSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-CHACHA20-POLY1305",
                "ECDHE-RSA-CHACHA20-POLY1305"
            ]
        );
        let e256 = "ECDHE-ECDSA-AES256-GCM-SHA384";
        let r256 = "ECDHE-RSA-AES256-GCM-SHA384";
        let ec = "ECDHE-ECDSA-CHACHA20-POLY1305";
        let rc = "ECDHE-RSA-CHACHA20-POLY1305";
        let e128 = "ECDHE-ECDSA-AES128-GCM-SHA256";
        let r128 = "ECDHE-RSA-AES128-GCM-SHA256";
        let cases: &[(&str, &[&str])] = &[
            ("aRSA:+AES128", &[r256, rc, r128]),
            ("AES128:AES256:@STRENGTH", &[e256, r256, e128, r128]),
            ("ALL:-ECDSA:ECDSA", &[r256, rc, r128, e256, ec, e128]),
            ("ECDHE-RSA-AES128-GCM-SHA256:FOO", &[r128]),
            ("ECDHE:+CHACHA20:@STRENGTH", &[e256, r256, ec, rc, e128, r128]),
            ("FIPS", &[e256, r256, e128, r128]),
            ("TLSv1.2+ECDSA:TLSv1:RSA", &[e256, ec, e128]),
        ];
        for (rules, want) in cases {
            assert_eq!(names(rules).unwrap(), *want, "{rules}");
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(tls12_from_string("AES128-SHA"), Err(ListError::NoMatch));
        assert_eq!(tls12_from_string("RSA"), Err(ListError::NoMatch));
        assert_eq!(tls12_from_string("ALL:!ECDHE"), Err(ListError::NoMatch));
        assert_eq!(tls12_from_string("HIGH:@FOO"), Err(ListError::InvalidCommand));
        assert_eq!(tls12_from_string("HIGH:*"), Err(ListError::InvalidCommand));
        assert_eq!(tls12_from_string(""), Err(ListError::NoMatch));
        assert_eq!(tls12_from_string("kECDHE+SHA256"), Err(ListError::NoMatch));
    }
}
