//! Credentials out of the text before anything else sees it: the translator, the cache,
//! history, the float, WAV names and any online engine get the placeholder instead.
//!
//! Two nets. Known shapes (provider key prefixes, JWTs, PEM blocks, `Authorization:`,
//! `password=`-style assignments, URLs with a password) catch what is certainly secret.
//! Then any long token that reads like random base64 — its characters change class
//! (lower, upper, digit) at most letters, where an identifier changes only at word
//! starts — is taken for a key no shape names.
//!
//! Kept on purpose (they are not secrets, and `tts::readings` shortens them): hex-only
//! runs (git commits, SHA-256 digests), UUIDs, identifiers made of words, paths.
//! `data:` URIs are not keys either, but are never worth reading: they become
//! [`DATA_OMITTED`].

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What is said instead of a credential.
pub const KEY_OMITTED: &str = "キー省略";
/// What is said instead of inline data (`data:image/png;base64,…`).
pub const DATA_OMITTED: &str = "データ省略";

/// Shortest token the entropy net looks at.
const MIN_RANDOM_LEN: usize = 24;
/// Share of a token's letters and digits that lie in words of three or more, below which it
/// reads as random. Identifiers score near 1; random base62 and base64 near 0.2.
const WORDLIKE_SHARE: f64 = 0.5;

/// A known shape: its `secret` group becomes the placeholder, the rest of the match stays.
fn shape(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

/// A value that looks like a credential rather than a word: it has a digit, or is long.
const CREDENTIAL: &str = r"[A-Za-z._~+/=-]*[0-9][A-Za-z0-9._~+/=-]{5,}|[A-Za-z0-9._~+/=-]{20,}";

/// PEM private keys: the whole block, or up to the end of the text when cut short. The one
/// shape that spans lines, so the one a text is searched for before it is cut.
static PEM: LazyLock<Regex> = LazyLock::new(|| {
    shape(
        r"(?s)(?P<secret>-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z))",
    )
});

static SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        // Provider prefixes: Anthropic/OpenAI, GitHub, Slack, GitLab, AWS access key ids,
        // Google API keys, Stripe, npm, Hugging Face.
        shape(r"(?P<secret>\bsk-(ant-)?[A-Za-z0-9_-]{16,})"),
        shape(r"(?P<secret>\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}))"),
        shape(r"(?P<secret>\bxox[abposr]-[A-Za-z0-9-]{10,})"),
        shape(r"(?P<secret>\bglpat-[A-Za-z0-9_-]{20,})"),
        shape(r"(?P<secret>\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b)"),
        shape(r"(?P<secret>\bAIza[A-Za-z0-9_-]{35})"),
        shape(r"(?P<secret>\b[rs]k_(live|test)_[A-Za-z0-9]{16,})"),
        shape(r"(?P<secret>\b(npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}))"),
        // JSON Web Tokens: base64url header and payload, both starting `{"`.
        shape(r"(?P<secret>\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)"),
        // Credentials in a URL: `scheme://user:password@host`.
        shape(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<secret>[^\s/@]+)@"),
        // `Authorization: Bearer x`, `-H "Authorization: token x"`, a lone `Bearer x`.
        // A scheme names what follows a credential; without one (and after a lone
        // `Bearer`) the value must look like one: a digit in it, or long.
        shape(r"(?i)\bauthorization\s*[:=]\s*(bearer|basic|token|digest)\s+(?P<secret>[^\s'\x22,;]+)"),
        shape(&format!(r"(?i)\bauthorization\s*[:=]\s*(?P<secret>{CREDENTIAL})")),
        shape(&format!(r"(?i)\bbearer\s+(?P<secret>{CREDENTIAL})")),
    ]
});

/// `name = value` where the name says secret: env files, shell exports, query strings,
/// YAML, JSON (`"password": "x"`). With `:`, the value must look like one (see `assigned`).
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        (?P<name>[A-Za-z0-9_.-]*(password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey
            |access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|client[_-]?secret)[A-Za-z0-9_-]*)
        (?P<quote>["']?)
        (?P<sep>\s*(=|:)\s*)
        (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,;&"'}\]]+)"#,
    )
    .expect("a valid built-in pattern")
});

static DATA_URI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdata:[a-z]+/[a-z0-9.+-]+(;[a-z0-9=-]+)*;base64,[A-Za-z0-9+/=]+").expect("valid"));

/// Candidates for the entropy net: runs of base64/base64url/token characters.
static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_=-]{24,}").expect("valid"));

/// Compiles the patterns (about 10 ms), so the first text redacted on Neovim's thread does
/// not wait for them: called from a thread of its own at setup.
pub fn prepare() {
    LazyLock::force(&PEM);
    LazyLock::force(&SHAPES);
    LazyLock::force(&ASSIGNMENT);
    LazyLock::force(&DATA_URI);
    LazyLock::force(&TOKEN);
}

/// `text` with every credential replaced by [`KEY_OMITTED`]; borrowed when nothing was.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    let mut apply = |re: &Regex, f: &dyn Fn(&Captures) -> String| {
        let replaced = match re.replace_all(&out, |c: &Captures| f(c)) {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        };
        if let Some(s) = replaced {
            out = Cow::Owned(s);
        }
    };
    apply(&DATA_URI, &|_| DATA_OMITTED.to_owned());
    apply(&PEM, &keep_all_but_secret);
    for s in SHAPES.iter() {
        apply(s, &keep_all_but_secret);
    }
    apply(&ASSIGNMENT, &assigned);
    apply(&TOKEN, &|c| random_token(&c[0]));
    out
}

/// Only what spans lines (private key blocks), for a whole text before it is cut into
/// sentences; each sentence then goes through [`redact`]. Cheap on any text: the pattern
/// starts with a literal.
pub fn redact_blocks(text: &str) -> Cow<'_, str> {
    PEM.replace_all(text, |c: &Captures| keep_all_but_secret(c))
}

fn keep_all_but_secret(c: &Captures) -> String {
    let all = c.get(0).expect("group 0 always matches");
    let secret = c.name("secret").expect("every shape names its secret");
    let s = all.as_str();
    let (from, to) = (secret.start() - all.start(), secret.end() - all.start());
    format!("{}{KEY_OMITTED}{}", &s[..from], &s[to..])
}

/// An assignment keeps its name and loses its value, unless the value is a reference
/// (`$TOKEN`, `${{ secrets.X }}`, `<your key>`), a mask, or, after a `:`, ordinary prose
/// ("the token: it expired").
fn assigned(c: &Captures) -> String {
    let whole = &c[0];
    let value = c["value"].trim_matches(|ch| ch == '"' || ch == '\'');
    let colon = c["sep"].trim() == ":";
    let reference = value.is_empty()
        || value.starts_with(['$', '<', '%', '{'])
        || value.chars().all(|ch| matches!(ch, '*' | 'x' | 'X' | '.' | '•'))
        || value == KEY_OMITTED;
    let prose = colon && value.chars().all(|ch| ch.is_ascii_lowercase()) && value.len() < 8;
    let keyword = matches!(value.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "none" | "required");
    if reference || prose || keyword {
        return whole.to_owned();
    }
    let q = &c["value"][..c["value"].len() - c["value"].trim_start_matches(['"', '\'']).len()];
    format!("{}{}{}{q}{KEY_OMITTED}{q}", &c["name"], &c["quote"], &c["sep"])
}

/// A token from the candidate regex: replaced when it reads as random, else kept.
fn random_token(token: &str) -> String {
    if looks_random(token) {
        KEY_OMITTED.to_owned()
    } else {
        token.to_owned()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    match c {
        'a'..='z' => Class::Lower,
        'A'..='Z' => Class::Upper,
        '0'..='9' => Class::Digit,
        _ => Class::Other,
    }
}

/// Random-looking: long, hex-only or UUID excepted, several classes, and made mostly of
/// one- and two-character "words". An identifier splits into words (`get`, `User`, `2024`);
/// a key splits into crumbs (`9`, `f`, `Q`, `2`, `x`, `Lr`).
fn looks_random(token: &str) -> bool {
    let core = token.trim_end_matches('=');
    if core.len() < MIN_RANDOM_LEN || is_hex_or_uuid(core) {
        return false;
    }
    let has = |k: Class| core.chars().any(|c| class(c) == k);
    let mixed_case = has(Class::Lower) && has(Class::Upper);
    let letters_and_digits = (has(Class::Lower) || has(Class::Upper)) && has(Class::Digit);
    if !(mixed_case || letters_and_digits) {
        return false;
    }
    let alnum = core.chars().filter(|&c| class(c) != Class::Other).count();
    let in_words: usize = words(core).into_iter().filter(|&n| n >= 3).sum();
    (in_words as f64) < WORDLIKE_SHARE * alnum as f64
}

/// Lengths of the words of an identifier: split at non-alphanumerics, letter/digit changes
/// and case changes, an upper-case run giving its last letter to a following lower-case run
/// (`HTTPServer` → `HTTP`, `Server`).
fn words(s: &str) -> Vec<usize> {
    let cs: Vec<Class> = s.chars().map(class).collect();
    let mut out = Vec::new();
    let mut len = 0;
    for (i, &c) in cs.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| cs[p]);
        let next = cs.get(i + 1).copied();
        let starts = match (prev, c) {
            (_, Class::Other) => true,
            (None | Some(Class::Other), _) => true,
            (Some(Class::Lower), Class::Upper) => true,
            (Some(Class::Upper), Class::Upper) => next == Some(Class::Lower),
            (Some(Class::Upper), Class::Lower) => false,
            (Some(p), c) => p != c,
        };
        if starts && len > 0 {
            out.push(len);
            len = 0;
        }
        if c != Class::Other {
            len += 1;
        }
    }
    if len > 0 {
        out.push(len);
    }
    out
}

/// Hex digests and UUIDs, in either case.
fn is_hex_or_uuid(s: &str) -> bool {
    let hex = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let uuid_shape = parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]);
    hex(s) || (uuid_shape && parts.iter().all(|p| hex(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) {
        assert_eq!(redact(text), text, "should be kept");
    }

    fn hidden(text: &str, secret: &str) {
        let out = redact(text);
        assert!(!out.contains(secret), "{secret:?} survived in {out:?}");
        assert!(out.contains(KEY_OMITTED), "{out:?}");
    }

    #[test]
    fn provider_keys_by_their_shape() {
        let cases = [
            ("export ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdEFGH", "sk-ant-api03"),
            ("use sk-proj-1234567890abcdefABCDEF in the header", "sk-proj-1234567890abcdef"),
            ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
            ("github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789", "github_pat_11ABCDEFG0"),
            ("SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp", "xoxb-1234"),
            ("glpat-xxxxXXXXyyyyYYYY1234 was revoked", "glpat-xxxxXXXXyyyyYYYY1234"),
            ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
            ("The id ASIAY34FZKBOKMUTVV7A expired.", "ASIAY34FZKBOKMUTVV7A"),
            ("key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe here", "AIzaSyDaGmWKa4JsXZ"),
        ];
        for (text, secret) in cases {
            hidden(text, secret);
        }
    }

    #[test]
    fn aws_secret_pairs_and_random_keys() {
        hidden("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI");
        // No name says it is secret: the entropy net.
        hidden("Found Zq3vR8t/kW2mB9xN4pL7cF1hJ6dS0gY5aE3uT8oI in the log.", "kW2mB9xN");
        hidden("it printed 9fQ2xLr7TzWk4BvN8sHd3JmY6cPa in the output", "9fQ2xLr7");
    }

    #[test]
    fn jwt_pem_bearer_and_urls() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        hidden(&format!("Set the cookie to {jwt} and retry."), "eyJhbGci");
        hidden(&format!("curl -H 'Authorization: Bearer {jwt}' https://api.example.com"), "dozjgNry");
        hidden("Authorization: token 0123456789abcdef0123456789abcdef01234567", "0123456789abcdef");
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nabc\n-----END RSA PRIVATE KEY-----";
        let out = redact(&format!("The key is:\n{pem}\nKeep it safe.")).into_owned();
        assert_eq!(out, format!("The key is:\n{KEY_OMITTED}\nKeep it safe."));
        assert_eq!(redact_blocks(&format!("The key is:\n{pem}\nKeep it safe.")), out);
        hidden("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", "b3BlbnNz");
        hidden("Clone https://alice:hunter2@github.com/acme/app.git now", "hunter2");
        kept("Clone https://github.com/acme/app.git now");
        kept("Bearer authentication needs an Authorization: header.");
        hidden("curl -H 'Authorization: 5f8a9c0e1b2d3f4a' http://localhost", "5f8a9c0e");
    }

    #[test]
    fn assignments_keep_their_name() {
        assert_eq!(redact("password=hunter2"), format!("password={KEY_OMITTED}"));
        assert_eq!(redact(r#"{"client_secret": "s3cr3t-v4lue"}"#), format!(r#"{{"client_secret": "{KEY_OMITTED}"}}"#));
        hidden("DB_PASSWORD: correcthorsebattery", "correcthorse");
        hidden("curl 'https://x.io/a?api_key=abc123&user=bob'", "abc123");
        hidden("secret = 'Tr0ub4dor&3'", "Tr0ub4dor");
        // References, masks and prose are not values.
        kept("GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}");
        kept("export API_KEY=$API_KEY");
        kept("password: ********");
        kept("The token: it expired an hour ago.");
        kept("Set require_token = true to enforce it.");
    }

    #[test]
    fn what_is_not_a_secret_survives() {
        kept("Fixed in commit 3f9a2c1 and 9b8e7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d.");
        kept("sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        kept("Request 123e4567-e89b-12d3-a456-426614174000 failed.");
        kept("Call getUserAccountSettingsForOrganization2024 first.");
        kept("See /usr/local/lib/python3.11/site-packages/requests/adapters.py line 42.");
        kept("ANTHROPIC_API_KEY is read from the environment.");
        kept("The tokenizer splits CamelCaseIdentifierNamesLikeThisOne apart.");
        kept("npm install @typescript-eslint/eslint-plugin@8.14.0 --save-dev");
        kept("The secret to fast builds is caching.");
        kept("Run pytest tests/test_auth_middleware_integration.py -k login");
    }

    #[test]
    fn inline_data_is_omitted_not_taken_for_a_key() {
        let img = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
        assert_eq!(redact(&format!("The icon is {img} inline.")), format!("The icon is {DATA_OMITTED} inline."));
    }

    #[test]
    fn nothing_found_borrows() {
        assert!(matches!(redact("All tests pass."), Cow::Borrowed(_)));
    }
}
