//! Credentials out of the text before anything else sees it: the translator, the cache,
//! history, the float, WAV names and any online engine get the placeholder instead.
//!
//! Two nets. Known shapes catch what is certainly secret: provider key prefixes, JWTs, PEM
//! blocks, `Authorization:`, URLs with a password, command lines that carry one (`curl -u`,
//! `mysql -p`, `sshpass -p`, `.netrc`), `name = value` where the name holds a secret, and
//! prose that tells one ("my password is …", `パスワードは …`). Then any long token that
//! reads as random is taken for a key no shape names.
//!
//! The second net is a likelihood test, not a rule of thumb. Each character of a token is
//! priced twice: by a model of identifier text (letter bigrams measured on real source
//! and documentation, plus what case changes, digit runs and separators cost where words
//! are joined into identifiers) and by a uniform draw from the token's own alphabet (the
//! price of a random key). Where some stretch of the token is at least [`RANDOM_BITS`]
//! cheaper as random than as text, the token is a key. `tests/redaction_corpus.rs`
//! measures it on generated keys and look-alikes (`cargo test --release --test
//! redaction_corpus -- --nocapture` prints the figures).
//!
//! Kept on purpose (they are not secrets, and `tts::readings` shortens them): hex-only
//! runs (git commits, SHA-256 digests), UUIDs, trace ids, ULIDs, AWS resource ids, build
//! files' content hashes, identifiers made of words, paths, pod names with their hash
//! suffixes; what its surroundings say is public or a digest (SSH and age public keys,
//! certificate blocks, `h1:` and `sha512-` checksums, base64 of words); and documentation's
//! placeholders (`AKIAXXXXXXXXXXXXXXXX`, `USER:PASSWORD@HOST`, `<token>`, `sk-...`). `data:` URIs are not keys either, but are never worth reading:
//! they become [`DATA_OMITTED`].

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What is said instead of a credential.
pub const KEY_OMITTED: &str = "キー省略";
/// What is said instead of inline data (`data:image/png;base64,…`).
pub const DATA_OMITTED: &str = "データ省略";

/// Shortest token (padding aside) the entropy net judges.
const MIN_RANDOM_LEN: usize = 20;
/// Shortest token the net judges once its `=` padding is off.
const MIN_CORE_LEN: usize = 18;
/// How many bits cheaper than text, as a random draw, some stretch of a token must be for
/// the token to be taken for a key. Tuned on the corpus's training seed (see the test).
const RANDOM_BITS: f64 = 28.0;

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

/// A known shape: its `secret` group becomes the placeholder, the rest of the match stays,
/// when `check` agrees the group holds one.
struct Shape {
    re: Regex,
    check: fn(&Captures) -> bool,
}

fn always(_: &Captures) -> bool {
    true
}

/// Not a reference (`$DB_PASS`, `${{ secrets.X }}`, `<your key>`), a mask or a keyword.
fn a_value(c: &Captures) -> bool {
    let v = unquote(&c["secret"]);
    !v.is_empty() && !is_reference(v) && !is_mask_or_keyword(v)
}

static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    let s = |pattern: &str, check: fn(&Captures) -> bool| Shape { re: shape(pattern), check };
    vec![
        // Credentials in a URL: `scheme://user:password@host`, the user maybe empty, the
        // password up to the last `@` before the host (`u:p@ss@host`).
        s(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]*:(?P<secret>[^\s/?#]+)@[^\s/@]", |c| {
            a_value(c) && !c["secret"].contains(KEY_OMITTED)
        }),
        // Provider prefixes: Anthropic/OpenAI (not a package such as `sk-learn`: the body
        // must hold a random run), GitHub, Slack, GitLab, AWS access key ids, Google API
        // keys, Stripe, npm, Hugging Face.
        s(r"(?P<secret>\bsk-[A-Za-z0-9_-]{16,})", |c| {
            c["secret"].split(['-', '_']).any(|run| {
                let has = |f: fn(&u8) -> bool| run.as_bytes().iter().any(f);
                run.len() >= 12
                    && ((has(u8::is_ascii_digit) && has(u8::is_ascii_alphabetic))
                        || (has(u8::is_ascii_lowercase) && has(u8::is_ascii_uppercase)))
            })
        }),
        s(r"(?P<secret>\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}))", always),
        s(r"(?P<secret>\bxox[abposr]-[A-Za-z0-9-]{10,})", always),
        s(r"(?P<secret>\bglpat-[A-Za-z0-9_-]{20,})", always),
        s(r"(?P<secret>\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b)", always),
        s(r"(?P<secret>\bAIza[A-Za-z0-9_-]{35})", always),
        s(r"(?P<secret>\b[rs]k_(live|test)_[A-Za-z0-9]{16,})", always),
        s(r"(?P<secret>\b(npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}))", always),
        // JSON Web Tokens: base64url header and payload, both starting `{"`.
        s(r"(?P<secret>\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)", always),
        // `Authorization: Bearer x`, `-H "Authorization: token x"`, JSON's
        // `"Authorization": "Bearer x"`, a lone `Bearer x`. A scheme names what follows a
        // credential; without one (and after a lone `Bearer`) the value must look like one:
        // a digit in it, or long.
        s(r#"(?i)\bauthorization["']?\s*[:=]\s*["']?(bearer|basic|token|digest)\s+(?P<secret>[^\s'",;]+)"#, a_value),
        s(&format!(r#"(?i)\bauthorization["']?\s*[:=]\s*["']?(?P<secret>{CREDENTIAL})"#), always),
        s(&format!(r"(?i)\bbearer\s+(?P<secret>{CREDENTIAL})"), always),
        // Command lines: `curl -u user:pw` (not `docker run -u 1000:1000`), `mysql -pS3cret`,
        // `sshpass -p pw`, `docker login -p pw`, `redis-cli -a pw`, `--password pw`.
        s(r#"(?:^|\s)(?:-u|--user|--proxy-user)\s*['"]?(?P<user>[^\s:'"]*):(?P<secret>[^\s'"]+)"#, |c| {
            let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            a_value(c) && !(number(&c["user"]) && number(&c["secret"]))
        }),
        s(r#"\bmysql(?:dump|admin|sh)?\b[^\n|;&]*?\s-p(?P<secret>'[^'\n]+'|"[^"\n]+"|[^\s'"]+)"#, a_value),
        s(r#"\bsshpass\s+-p\s*(?P<secret>'[^'\n]+'|"[^"\n]+"|\S+)"#, a_value),
        s(
            r#"\b(?:docker|podman|buildah|nerdctl|helm\s+registry)\s+login\b[^\n|;&]*?\s(?:-p|--password)[\s=]+(?P<secret>'[^'\n]+'|"[^"\n]+"|\S+)"#,
            a_value,
        ),
        s(r#"\bredis-cli\b[^\n|;&]*?\s-a\s+(?P<secret>'[^'\n]+'|"[^"\n]+"|\S+)"#, a_value),
        s(
            r#"(?:^|\s)--(?:password|passwd|pass|token|api-key|secret)\s+(?P<secret>'[^'\n]+'|"[^"\n]+"|[^\s-]\S*)"#,
            |c| a_value(c) && credential_word(unquote(&c["secret"]), 10),
        ),
        // `.netrc`: `machine api.x.com login bob password s3cr3t`.
        s(
            r"\b(?:machine\s+\S+\s+(?:login\s+\S+\s+)?|default\s+(?:login\s+\S+\s+)?|login\s+\S+\s+)password\s+(?P<secret>\S+)",
            a_value,
        ),
        // Shapes that are keys whatever surrounds them: a Telegram bot's `<id>:<35>`, a
        // Discord bot's three dotted parts, an Azure client secret (`…Q~…`), a kubeadm
        // bootstrap token (`abcdef.0123456789abcdef`).
        s(r"(?P<secret>\b[0-9]{8,10}:[A-Za-z0-9_-]{35})(?:[^A-Za-z0-9_-]|$)", always),
        s(r"(?P<secret>\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})", always),
        s(r"(?P<secret>\b[A-Za-z0-9_.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})", always),
        s(r"(?:^|[^A-Za-z0-9.])(?P<secret>[a-z0-9]{6}\.[a-z0-9]{16})(?:[^A-Za-z0-9.]|$)", |c| {
            c["secret"]
                .split('.')
                .all(|p| p.bytes().any(|b| b.is_ascii_digit()) && p.bytes().any(|b| b.is_ascii_lowercase()))
        }),
        // A quoted password after a tool's password flag (`mongosh -p '…'`, `keytool
        // -deststorepass '…'`), and what is echoed into `--password-stdin`.
        s(r#"(?:^|\s)(?:-p|-P|-[a-z]*storepass|-keypass|-pass(?:in|out)?)\s+(?P<secret>'[^'\n]+'|"[^"\n]+")"#, |c| {
            a_value(c) && credential_word(unquote(&c["secret"]), 10) && !unquote(&c["secret"]).contains(['/', ' '])
        }),
        s(r#"\becho\s+(?:-n\s+)?(?P<secret>'[^'\n]+'|"[^"\n]+"|[^\s|]+)\s*\|[^\n]*--password-stdin"#, a_value),
        // SQL: `IDENTIFIED BY '…'`, `SET PASSWORD FOR u = '…'`, `CREATE USER … PASSWORD '…'`.
        s(r#"(?i)\bidentified\s+(?:with\s+\S+\s+)?by\s+(?P<secret>'[^'\n]+'|"[^"\n]+")"#, a_value),
        s(r#"(?i)\bset\s+password\s+for\s+\S+\s*=\s*(?P<secret>'[^'\n]+'|"[^"\n]+")"#, a_value),
        s(r#"(?i)\b(?:user|role|login)\b[^\n;]*?\bpassword\s+(?P<secret>'[^'\n]+')"#, a_value),
        // `smbclient -U user%password`, XML's `<password>…</password>`.
        s(r"(?:^|\s)-U\s+[^\s%]+%(?P<secret>\S+)", a_value),
        s(
            r"(?i)<(?:password|passwd|passphrase|secret|token|api[_-]?key|client[_-]?secret)>(?P<secret>[^<\n]+)</",
            a_value,
        ),
        // A table of settings: `| DB_PASSWORD | value |`, the name's cell saying what the next holds.
        // (A key has no spaces; a passphrase may.)
        s(r"\|\s*(?P<name>[A-Za-z][A-Za-z0-9_.-]*)\s*\|\s*(?P<secret>[^|\n]*[^|\s])\s*\|", |c| {
            let kind = name_kind(&c["name"]);
            let spaced = c["secret"].contains(' ');
            (kind == Name::Password || kind == Name::Secret && !spaced)
                && a_value(c)
                && !c["secret"].contains(KEY_OMITTED)
        }),
        // Docker's config.json: `"auth": "dXNlcjpwYXNz"` (base64 of `user:password`).
        s(r#"(?i)"auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{8,}={0,2})""#, always),
    ]
});

/// `name = value` where the name may say secret: env files, shell exports, query strings,
/// YAML, JSON (`"password": "x"`), TOML, INI, code, full-width `＝` and `：`. Whether it
/// does, and what then counts as a value, is [`assignment`]'s to say.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        (?P<name>[A-Za-z0-9_.-]*(pass|pwd|secret|token|key|credential|creds|auth|bearer|pin|puk|code)[A-Za-z0-9_.-]*)
        (?P<quote>["']?)\]?
        (?P<sep>[\ \t]*(:=|=>|==?|\|\|=|\?\?=|:|＝|：)[\ \t]*)
        (?P<value>"[^"\n]*"|'[^'\n]*'|「[^」\n]*」|[^\s"'`]+)"#,
    )
    .expect("a valid built-in pattern")
});

/// Prose that tells a password: "my password is hunter2", "the API key was 'x'", "the
/// token for staging is x".
static PROSE: LazyLock<Regex> = LazyLock::new(|| {
    shape(
        r#"(?i)\b(?:password|passphrase|passcode|secret|token|api key)(?:\s+[a-z]+){0,3}?\s+(?:is|was|to)\s+(?:now\s+|still\s+|set\s+to\s+)?(?P<value>"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s"'`]+)"#,
    )
});

/// A key named next to it in prose, with no "is": "I pasted the API key X into the
/// config", "use X as the admin password". Only a value no word or identifier looks like
/// counts ([`strong_value`]).
static PROSE_NEAR: LazyLock<Regex> = LazyLock::new(|| {
    shape(
        r#"(?i)\b(?:password|passphrase|secret|token|api key|access key|pin|puk|(?:encryption|signing|license|secret|private|master) key\s*:)\s+["'`]?(?P<value>[!-~]{10,})|(?:^|\s)(?P<before>[!-~]{10,})\s+as\s+(?:the\s+|an?\s+|my\s+|our\s+)?(?:[a-z]+\s+)?(?:password|passphrase|secret|token|api key)\b"#,
    )
});

/// The same in Japanese: `パスワードは hunter2`, `パスワード：xxx`, `トークンは「…」`.
static PROSE_JA: LazyLock<Regex> = LazyLock::new(|| {
    shape(
        r#"(?P<name>パスワード|パスフレーズ|暗証番号|トークン|シークレットキー|シークレット|ライセンスキー|暗号化キー|アクセスキー|秘密鍵|[A-Z]*鍵|APIキー|API キー)(?:\s*(?:は|が|を|:|：|=|＝)\s*|\s+)(?P<open>[「『"'“`])?(?P<value>[!-~]+)"#,
    )
});

static DATA_URI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdata:[a-z]+/[a-z0-9.+-]+(;[a-z0-9=-]+)*;base64,[A-Za-z0-9+/=]+").expect("valid"));

/// Candidates for the entropy net: runs of base64/base64url/token characters.
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"[A-Za-z0-9+/_=-]{{{MIN_RANDOM_LEN},}}")).expect("valid"));

/// Candidates for the password net: runs with the punctuation people put in passwords
/// (`#`, `*`, `%`, `&`, `!`…), which cuts them into pieces too short for [`TOKEN`].
static PUNCTUATED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9!#$%&*+./=?@^_~-]{10,}").expect("valid"));

/// Characters that mark a password: rare in identifiers, paths and words.
const PASSWORD_MARKS: &[char] = &['!', '#', '$', '%', '&', '*', '^', '~'];

/// A password-like run: it holds a mark and no URL, and its letters and digits alone read as
/// random to the entropy net (words, anchors, globs and query strings do not). Under 16
/// characters it must hold all four kinds (`DanaDb#6323uX`) and no path or file name.
fn punctuated_secret(run: &str) -> Option<Range<usize>> {
    let mut core = run.trim_end_matches(['.', '!', '?', ',']);
    // A `!` right after the digits of a run of letters and digits ends the password, not a
    // sentence (`CitrusRipple1898!`).
    let bang = run[core.len()..].starts_with('!');
    if bang && core.ends_with(|c: char| c.is_ascii_digit()) && !core.contains(PASSWORD_MARKS) {
        core = &run[..core.len() + 1];
    }
    // A home path's `~` and an anchor's `#` are no marks (`~/.cache/…`, `ui.git#<sha>`);
    // a run after `https:` is a URL.
    let path = core.contains('/');
    let marked = if path { core.trim_start_matches('~').split('#').next().unwrap_or("") } else { core };
    if !marked.contains(PASSWORD_MARKS) || core.contains("://") || core.starts_with("//") || is_mask_or_keyword(core) {
        return None;
    }
    if core.len() < 16 {
        let c = Classes::of(core);
        let four = c.upper && c.lower && c.digit && c.marks > 0;
        return (four && !core.contains(['.', '/'])).then_some(0..core.len());
    }
    let alnum: String = marked.chars().filter(char::is_ascii_alphanumeric).collect();
    (looks_random(&alnum) || password_classes(core)).then_some(0..core.len())
}

/// What a password policy asks for: upper case, lower case and digits (or a second mark)
/// besides the mark, in a
/// run of [`PUNCTUATED`]'s length with no `/` (anchors and paths, `src/main.rs#L10-L25`).
/// Human-made passwords hold words (`te88epFIMbNl5*!5ooCC`), which the entropy net alone
/// lets through.
fn password_classes(core: &str) -> bool {
    let c = Classes::of(core);
    !core.contains('/') && c.upper && c.lower && (c.digit || c.marks >= 2)
}

/// Which kinds of character a value holds, in one pass.
struct Classes {
    upper: bool,
    lower: bool,
    digit: bool,
    /// Password marks ([`PASSWORD_MARKS`]) counted.
    marks: usize,
}

impl Classes {
    fn of(v: &str) -> Self {
        let has = |f: fn(&u8) -> bool| v.bytes().any(|b| f(&b));
        Self {
            upper: has(u8::is_ascii_uppercase),
            lower: has(u8::is_ascii_lowercase),
            digit: has(u8::is_ascii_digit),
            marks: v.chars().filter(|c| PASSWORD_MARKS.contains(c)).count(),
        }
    }
}

/// Compiles the patterns (about 10 ms), so the first text redacted on Neovim's thread does
/// not wait for them: called from a thread of its own at setup.
pub fn prepare() {
    LazyLock::force(&PEM);
    LazyLock::force(&PUNCTUATED);
    LazyLock::force(&SHAPES);
    LazyLock::force(&ASSIGNMENT);
    LazyLock::force(&PROSE);
    LazyLock::force(&PROSE_NEAR);
    LazyLock::force(&PROSE_JA);
    LazyLock::force(&DATA_URI);
    LazyLock::force(&TOKEN);
}

/// One match's verdict: what to put where (absolute byte range), and where to look next.
struct Step {
    edit: Option<(Range<usize>, String)>,
    resume: usize,
}

/// Runs `re` over `out` left to right, letting `f` (which sees the whole text) decide each
/// match; `out` stays borrowed when nothing changes.
fn edit(out: &mut Cow<'_, str>, re: &Regex, f: impl Fn(&Captures, &str) -> Step) {
    let text: &str = out;
    let mut result: Option<String> = None;
    let (mut copied, mut at) = (0, 0);
    while at <= text.len() {
        let Some(c) = re.captures_at(text, at) else { break };
        let m = c.get(0).expect("group 0 always matches");
        let step = f(&c, text);
        if let Some((range, with)) = step.edit {
            let s = result.get_or_insert_with(|| String::with_capacity(text.len()));
            s.push_str(&text[copied..range.start]);
            s.push_str(&with);
            copied = range.end;
        }
        at = step.resume.max(m.start() + 1).max(copied);
        while !text.is_char_boundary(at.min(text.len())) {
            at += 1;
        }
    }
    if let Some(mut s) = result {
        s.push_str(&text[copied..]);
        *out = Cow::Owned(s);
    }
}

/// The step that replaces a shape's `secret` group (its quotes kept) when `yes`.
fn secret_step(c: &Captures, yes: bool) -> Step {
    let m = c.get(0).expect("group 0 always matches");
    let secret = c.name("secret").expect("every shape names its secret");
    if !yes {
        return Step { edit: None, resume: m.end() };
    }
    let inner = inner_range(secret.as_str());
    let range = secret.start() + inner.start..secret.start() + inner.end;
    Step { edit: Some((range, KEY_OMITTED.to_owned())), resume: m.end() }
}

/// `text` with every credential replaced by [`KEY_OMITTED`]; borrowed when nothing was.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    edit(&mut out, &DATA_URI, |c, _| {
        let m = c.get(0).expect("group 0");
        Step { edit: Some((m.range(), DATA_OMITTED.to_owned())), resume: m.end() }
    });
    edit(&mut out, &PEM, |c, _| secret_step(c, !pem_placeholder(&c["secret"])));
    for s in SHAPES.iter() {
        edit(&mut out, &s.re, |c, _| secret_step(c, (s.check)(c) && !is_mask_or_keyword(unquote(&c["secret"]))));
    }
    edit(&mut out, &ASSIGNMENT, assignment);
    edit(&mut out, &PROSE, |c, _| {
        let v = &c["value"];
        let quoted = v.len() > 2 && unquote(v).len() + 2 == v.len();
        let inner = unquote(v);
        let quoted_value = quoted && !inner.is_empty() && !is_reference(inner) && !is_mask_or_keyword(inner);
        let told_value = !quoted && told(trim_prose(v), 5) && !is_version(trim_prose(v));
        secret_step_value(c, quoted_value || told_value)
    });
    edit(&mut out, &PROSE_NEAR, |c, _| {
        let m = c.get(0).expect("group 0 always matches");
        let v = c.name("value").or_else(|| c.name("before")).expect("one of the two matches");
        let core = trim_prose(v.as_str()).trim_end_matches(['"', '\'', '`']);
        // A PIN is digits: six or more after its name.
        let keyword = c[0].trim_start().to_ascii_lowercase();
        let pin = (keyword.starts_with("pin") || keyword.starts_with("puk"))
            && core.len() >= 6
            && core.bytes().all(|b| b.is_ascii_digit());
        match strong_value(core) || pin {
            true => Step { edit: Some((v.start()..v.start() + core.len(), KEY_OMITTED.to_owned())), resume: m.end() },
            // A value's tail is no value: go on after it.
            false => Step { edit: None, resume: v.end() },
        }
    });
    edit(&mut out, &PROSE_JA, |c, _| {
        let v = trim_prose(&c["value"]);
        let name = &c["name"];
        let password = !(matches!(name, "トークン" | "シークレット") || name.ends_with("キー") || name.ends_with('鍵'));
        // A lower-case word, or several joined by `-` (a passphrase: `beaver-canyon-nebula`).
        let lower_word =
            v.len() >= 4 && v.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        // Quoted, any value is the one told (`パスワードを「dahlia-anchor-maple」に`).
        let quoted = c.name("open").is_some() && v.len() >= 4 && !is_reference(v);
        secret_step_value(c, told(v, 4) || ((password && lower_word || quoted) && !is_mask_or_keyword(v)))
    });
    edit(&mut out, &TOKEN, |c, text| {
        let m = c.get(0).expect("group 0");
        // What surrounds a token is read only for one the entropy net would hide.
        let redacted =
            random_parts(m.as_str()).filter(|_| !public_or_digest(&text[..m.start()], m.as_str(), &text[m.end()..]));
        Step { edit: redacted.map(|r| (m.range(), r)), resume: m.end() }
    });
    edit(&mut out, &PUNCTUATED, |c, _| {
        let m = c.get(0).expect("group 0");
        let hidden =
            punctuated_secret(m.as_str()).map(|r| (m.start() + r.start..m.start() + r.end, KEY_OMITTED.into()));
        Step { edit: hidden, resume: m.end() }
    });
    edit(&mut out, &WRAPPED_TAIL, |c, _| {
        let m = c.get(0).expect("group 0");
        let tail = c["tail"].trim_end_matches(['.', ',', '\'', '"']);
        let keyish = tail.len() >= 6
            && tail.bytes().any(|b| b.is_ascii_digit())
            && tail.bytes().any(|b| b.is_ascii_alphabetic());
        let edit = (keyish && !is_version(tail))
            .then(|| (m.start()..c.name("tail").expect("tail").start() + tail.len(), KEY_OMITTED.to_owned()));
        Step { edit, resume: m.end() }
    });
    out
}

/// A key's tail that a wrap or a space cut off from the part already hidden
/// (`KEY=キー省略 UtGlXn2DE`): letters and digits right after the placeholder.
static WRAPPED_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{KEY_OMITTED}[ \t]*\n?[ \t]*(?P<tail>[A-Za-z0-9+/=_-]+[.,'\x22]?)(?:\s|$)")).expect("valid")
});

/// A random-looking token that is public or a digest, as what is around it says: an SSH or
/// age public key, a checksum (`h1:…`, `SHA256:…`), an OAuth client id, base64 of words or
/// of a certificate, a ULID.
fn public_or_digest(before: &str, token: &str, after: &str) -> bool {
    const PUBLIC_KEYS: &[&str] = &[
        "ssh-rsa ",
        "ssh-ed25519 ",
        "ssh-dss ",
        "ecdsa-sha2-nistp256 ",
        "ecdsa-sha2-nistp384 ",
        "ecdsa-sha2-nistp521 ",
    ];
    const DIGESTS: &[&str] = &["h1:", "sha256:", "sha384:", "sha512:", "md5:"];
    // What names the value right before it, on its line: a public key, a request's id.
    const NAMED_PUBLIC: &[&str] = &[
        "public key",
        "publickey",
        "公開鍵",
        "request-id",
        "request id",
        "request_id",
        "cf-ray",
        "x-amz-id",
        "trace-id",
        "trace_id",
    ];
    let line = before.rsplit('\n').next().unwrap_or(before);
    let near = line[line.char_indices().rev().nth(39).map_or(0, |(i, _)| i)..].to_lowercase();
    let lower_before = before.get(before.len().saturating_sub(24)..).unwrap_or(before).to_ascii_lowercase();
    PUBLIC_KEYS.iter().any(|p| lower_before.ends_with(p) || lower_before.ends_with(&p[..p.len() - 1]))
        || NAMED_PUBLIC
            .iter()
            .any(|n| near.rfind(n).is_some_and(|at| !near[at..].contains("private") && !near[at..].contains("secret")))
        || token.starts_with("pk_live_")
        || token.starts_with("pk_test_")
        || DIGESTS.iter().any(|d| lower_before.ends_with(d))
        || (token.starts_with("age1") && token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        || after.starts_with(".apps.googleusercontent.com")
        || token.split(['/', '_', '-']).any(is_ulid)
        || is_resource_id(token)
        || in_public_block(before)
        || hashed_file_name(token, after)
        || decodes_to_public_text(token)
}

/// An AWS resource id (`nat-08200f66709c803a8`, `vpc-0f6d…`): its kind, then 8 or 17 hex.
fn is_resource_id(t: &str) -> bool {
    const KINDS: &[&str] = &[
        "i",
        "vpc",
        "subnet",
        "sg",
        "igw",
        "nat",
        "rtb",
        "vol",
        "snap",
        "ami",
        "eni",
        "eipalloc",
        "eipassoc",
        "acl",
        "tgw",
        "tgw-attach",
        "lt",
        "pcx",
        "vpce",
        "dopt",
        "r",
        "fs",
        "fsap",
        "cgw",
        "vgw",
        "vpn",
        "key",
    ];
    t.rsplit_once('-').is_some_and(|(kind, hex)| {
        KINDS.contains(&kind) && matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A build's file name with its content hash (`_app-8c8247f3be7ade3f.js`,
/// `speakja-3f9c1e2a7b4d5e6f.d`): a hex run of 8 to 20 before a file's extension.
fn hashed_file_name(token: &str, after: &str) -> bool {
    let ext = after.strip_prefix('.').map(|a| a.bytes().take_while(u8::is_ascii_alphanumeric).count());
    let hex = token.rsplit(['-', '_', '.']).next().unwrap_or("");
    ext.is_some_and(|n| (1..=6).contains(&n))
        && (8..=20).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && hex.len() < token.len()
}

/// Inside a PEM block of a certificate or public key (each line is judged on its own).
fn in_public_block(before: &str) -> bool {
    before.rfind("-----BEGIN ").is_some_and(|at| {
        let block = &before[at..];
        !block.contains("-----END")
            && (block.starts_with("-----BEGIN CERTIFICATE") || block.contains("PUBLIC KEY-----"))
    })
}

/// A ULID: 26 characters of Crockford's base32, a timestamp first.
fn is_ulid(t: &str) -> bool {
    t.len() == 26
        && t.as_bytes()[0].is_ascii_digit()
        && t.as_bytes()[0] <= b'7'
        && t.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
}

/// Base64 of plain words (`cmVsZWFzZSBub3Rlcw==`) or of a certificate or public key
/// (Kubernetes' `certificate-authority-data`); base64 of a private key or of `user:pass`
/// stays a secret.
fn decodes_to_public_text(token: &str) -> bool {
    use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
    use base64::{alphabet, Engine as _};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let t = token.trim_end_matches('=');
    // The first 96 characters are enough to say what it is.
    let head = if t.len() <= 96 { t } else { &t[..96] };
    let Ok(bytes) = LENIENT.decode(head) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.starts_with("-----BEGIN ") {
        return text.contains("CERTIFICATE") || text.contains("PUBLIC KEY");
    }
    let printable = bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\n');
    // (`user:password` is a credential; `apiVersion: v1` is YAML.)
    let words = text.split_whitespace().count() >= 2 && (!text.contains(':') || text.contains(": "));
    printable && words
}

/// Only what spans lines (private key blocks), for a whole text before it is cut into
/// sentences; each sentence then goes through [`redact`]. Cheap on any text: the pattern
/// starts with a literal.
pub fn redact_blocks(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    edit(&mut out, &PEM, |c, _| secret_step(c, !pem_placeholder(&c["secret"])));
    out
}

/// A key block drawn with no key in it (`…` or `...` between its lines), as documentation does.
/// Only marks count: a real key's body may hold a run of one character (OpenSSH's `AAAAAAAA`).
fn pem_placeholder(block: &str) -> bool {
    let body = block.lines().filter(|l| !l.trim_start_matches(['+', ' ']).starts_with("-----"));
    body.flat_map(str::chars).all(|c| matches!(c, '.' | '…' | '*' | 'x' | 'X' | '#' | '-' | '+') || c.is_whitespace())
}

/// Replaces the `value` group, trimmed of the punctuation that ends a sentence.
fn secret_step_value(c: &Captures, yes: bool) -> Step {
    let m = c.get(0).expect("group 0 always matches");
    let v = c.name("value").expect("a value group");
    if !yes {
        return Step { edit: None, resume: m.end() };
    }
    let s = v.as_str();
    let inner =
        if unquote(s).len() + 2 == s.len() || s.starts_with('「') { inner_range(s) } else { 0..trim_prose(s).len() };
    Step { edit: Some((v.start() + inner.start..v.start() + inner.end, KEY_OMITTED.to_owned())), resume: m.end() }
}

/// A word told as a password in prose: not a reference or keyword, at least `min` long,
/// and not an ordinary word: it has a digit (six, when only digits), a symbol other than
/// `-`, or a capital after its first letter.
fn told(v: &str, min: usize) -> bool {
    if v.chars().count() < min || is_reference(v) || is_mask_or_keyword(v) || v.contains(KEY_OMITTED) {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    if digits == v.len() {
        return digits >= 6;
    }
    digits > 0
        || v.bytes().any(|b| !b.is_ascii_alphanumeric() && b != b'-')
        || v.bytes().skip(1).any(|b| b.is_ascii_uppercase()) && v.bytes().any(|b| b.is_ascii_lowercase())
}

/// `1.4.2`, `v2.0.1-alpine`: a release (an image's tag once cleaning has dropped its path).
fn is_version(v: &str) -> bool {
    let (head, tail) = v.split_once('-').unwrap_or((v, ""));
    let head = head.strip_prefix('v').unwrap_or(head);
    let parts: Vec<&str> = head.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// A value named a key without "is": digits, upper and lower case (or a password's mark)
/// and no path or URL, which words, identifiers and file names do not have together.
fn strong_value(v: &str) -> bool {
    // A key in hex (32 digits or more, digits and letters): no word or name is.
    let hex_key =
        v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) && v.bytes().any(|b| b.is_ascii_alphabetic());
    if hex_key && v.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    let c = Classes::of(v);
    let kinds = [c.upper, c.lower, c.digit, c.marks > 0].iter().filter(|&&k| k).count();
    told(v, 10) && !v.contains('/') && c.digit && kinds >= 3 && !camel_identifier(v)
}

/// `PasswordResetService2`: words in camel case, digits only at the end.
fn camel_identifier(v: &str) -> bool {
    let b = v.trim_end_matches(|c: char| c.is_ascii_digit()).as_bytes();
    b.iter().all(u8::is_ascii_alphabetic)
        && b.windows(2).all(|w| !w[0].is_ascii_uppercase() || w[1].is_ascii_lowercase())
        && !b.last().is_some_and(u8::is_ascii_uppercase)
}

/// A value after a flag such as `--password`, which may as well be prose: not a plain
/// lowercase word shorter than `long`.
fn credential_word(v: &str, long: usize) -> bool {
    !(v.len() < long && v.bytes().all(|b| b.is_ascii_lowercase()))
}

fn trim_prose(v: &str) -> &str {
    v.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '」', '』', '”', '。', '、'])
}

/// The part of a value inside its quotes.
fn inner_range(v: &str) -> Range<usize> {
    for (open, close) in [("\"", "\""), ("'", "'"), ("`", "`"), ("「", "」"), ("『", "』")] {
        if v.len() >= open.len() + close.len() && v.starts_with(open) && v.ends_with(close) {
            return open.len()..v.len() - close.len();
        }
    }
    0..v.len()
}

fn unquote(v: &str) -> &str {
    &v[inner_range(v)]
}

/// How much a name says its value is secret.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Name {
    /// `tokenizer`, `secretary`, `keyboard`, `monkey`, `key`.
    Not,
    /// The name is about a secret, not one: `max_tokens`, `token_ttl`, `secret_name`,
    /// `password_min_length`, `keys`. The entropy net alone judges the value.
    Weak,
    /// Docker's `auth`: hidden when the value is base64.
    Auth,
    /// `token`, `secret`, `api_key`, `client_secret`, `access_token`, `credentials`.
    Secret,
    /// `password`, `passwd`, `pwd`, `passphrase`, `DB_PASS`: any value is one.
    Password,
}

/// Words before `key` that make it a credential (`api_key`, `AccountKey`, `secretkey`).
const KEY_OWNERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "auth",
    "signing",
    "encryption",
    "master",
    "client",
    "app",
    "application",
    "account",
    "shared",
    "session",
    "service",
    "license",
    "subscription",
    "consumer",
    "webhook",
    "hmac",
    "jwt",
    "ssh",
    "x",
];

/// Words that make a name about a secret rather than the secret itself.
const MODIFIERS: &[&str] = &[
    "max",
    "min",
    "maximum",
    "minimum",
    "count",
    "counts",
    "num",
    "number",
    "limit",
    "limits",
    "ttl",
    "size",
    "length",
    "len",
    "type",
    "types",
    "kind",
    "expiry",
    "expires",
    "expire",
    "expired",
    "expiration",
    "exp",
    "lifetime",
    "timeout",
    "budget",
    "usage",
    "used",
    "total",
    "input",
    "output",
    "prompt",
    "completion",
    "per",
    "rate",
    "window",
    "name",
    "names",
    "id",
    "ids",
    "file",
    "files",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "env",
    "var",
    "field",
    "header",
    "policy",
    "required",
    "enabled",
    "enable",
    "disable",
    "disabled",
    "mode",
    "format",
    "algorithm",
    "alg",
    "version",
    "ref",
    "arn",
    "store",
    "manager",
    "provider",
    "strength",
    "hint",
    "reset",
    "rotation",
    "age",
    "days",
    "hours",
    "seconds",
    "ms",
    "regex",
    "pattern",
    "label",
    "location",
    "source",
    "prefix",
    "suffix",
    "hash",
    "index",
    "idx",
    "position",
    "pos",
    "offset",
    "estimate",
    "left",
    "remaining",
    "spent",
    "column",
    "rule",
    "rules",
    "validation",
    "complexity",
    "placeholder",
    "change",
    "changed",
    "last",
    "updated",
    "created",
    "at",
    "in",
    "out",
    "bits",
    "chars",
    "characters",
    "width",
    "height",
    "map",
    "ring",
    "chain",
    "server",
    "service",
    "stats",
    "generation",
    "generated",
    "generator",
    "cache",
    "refresh",
    "interval",
    "duration",
    "delay",
    "retries",
    "attempts",
    "lock",
    "locked",
    "mask",
    "masked",
    "visible",
    "show",
    "hide",
    "display",
    "text",
    "hashed",
    "salt",
    "salted",
    "encrypted",
    "encoding",
    "digest",
    "fingerprint",
    "kid",
    "usage",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "class",
    "classes",
    "volume",
    "mount",
    "ref",
    "selector",
];

fn name_words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        let b = part.as_bytes();
        let mut start = 0;
        for i in 1..b.len() {
            let camel = b[i - 1].is_ascii_lowercase() && b[i].is_ascii_uppercase();
            let acronym_end = b[i - 1].is_ascii_uppercase()
                && b[i].is_ascii_uppercase()
                && b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if camel || acronym_end {
                out.push(part[start..i].to_ascii_lowercase());
                start = i;
            }
        }
        out.push(part[start..].to_ascii_lowercase());
    }
    out
}

fn name_kind(name: &str) -> Name {
    let words = name_words(name);
    let kinds: Vec<Name> = (0..words.len()).map(|i| word_kind(&words, i)).collect();
    let kind = kinds.iter().copied().max().unwrap_or(Name::Not);
    // A modifier after the secret's word makes the name about it (`token_refresh_ms`,
    // `password_min_length`); before it, only a count's (`max_tokens`): `refresh_token`,
    // `session_secret` and `api_key` name secrets.
    let first = kinds.iter().position(|&k| k > Name::Weak);
    let about = words.iter().enumerate().any(|(i, w)| {
        MODIFIERS.contains(&w.as_str()) && (first.is_none_or(|f| i > f) || PRE_MODIFIERS.contains(&w.as_str()))
    });
    if kind > Name::Weak && about {
        return Name::Weak;
    }
    kind
}

/// What word `i` of a name says on its own (`key` after an owner: `api_key`).
fn word_kind(words: &[String], i: usize) -> Name {
    let w = words[i].as_str();
    let prev = i.checked_sub(1).map(|p| words[p].as_str());
    if matches!(w, "tokens" | "secrets" | "passwords" | "keys" | "credentials_count") {
        Name::Weak
    } else if w.contains("password")
        || w.contains("passwd")
        || w.contains("passphrase")
        || matches!(w, "pass" | "pwd" | "pw" | "passcode" | "passwort" | "passw" | "pin" | "puk")
        || (w == "code" && prev.is_some_and(|p| matches!(p, "backup" | "recovery" | "mfa" | "otp" | "totp" | "puk")))
    {
        Name::Password
    } else if w.ends_with("token")
        || (w.contains("secret") && !w.contains("secretar"))
        || matches!(w, "credential" | "credentials" | "creds" | "bearer")
        || (w == "key" && prev.is_some_and(|p| KEY_OWNERS.contains(&p)))
        || (w.len() > 3 && w.ends_with("key") && KEY_OWNERS.iter().any(|o| w.len() == o.len() + 3 && w.starts_with(o)))
    {
        Name::Secret
    } else if w == "auth" {
        Name::Auth
    } else {
        Name::Not
    }
}

/// Modifiers that make a name about a secret even before its word (`max_token`, `new_key_id`).
const PRE_MODIFIERS: &[&str] = &[
    "max",
    "min",
    "maximum",
    "minimum",
    "num",
    "number",
    "count",
    "total",
    "len",
    "length",
    "ttl",
    "size",
    "limit",
    "expiry",
    "expires",
    "expire",
    "rate",
    "per",
    "last",
    "hash",
    "hashed",
    "salt",
    "salted",
    "masked",
    "placeholder",
];

/// Function words that follow "password:" in prose ("the password: see below").
const PROSE_WORDS: &[&str] = &[
    "see", "it", "is", "was", "the", "a", "an", "this", "that", "use", "enter", "type", "set", "your", "you", "we",
    "must", "should", "will", "can", "not", "no", "any", "as", "below", "above", "same", "check", "ask", "read",
];

/// An assignment keeps its name and loses its value when the name holds a secret, unless
/// the value is a reference (`$TOKEN`, `${{ secrets.X }}`, `<your key>`), a mask, a keyword,
/// or, after a `:` in prose ("the password: see below", "The token: it expired"), a word.
fn assignment(c: &Captures, text: &str) -> Step {
    let m = c.get(0).expect("group 0 always matches");
    let value = c.name("value").expect("a value group");
    let keep = Step { edit: None, resume: value.start() };
    let kind = name_kind(&c["name"]);
    // `ghcr.io/acme/token:1.4.2-alpine`, `/v1/token:refresh`: a path's segment and its tag.
    let path = text[..m.start()].ends_with([':', '/']) || (&c["sep"] == ":" && value.as_str().starts_with(':'));
    if kind <= Name::Weak || path {
        return keep;
    }
    let raw = value.as_str();
    let quoted = inner_range(raw) != (0..raw.len());
    let range = if quoted { inner_range(raw) } else { 0..unquoted_end(raw) };
    let v = &raw[range.clone()];
    let abs = value.start() + range.start..value.start() + range.end;
    if v.is_empty()
        || is_reference(v)
        || is_reference(raw)
        || is_mask_or_keyword(v)
        || is_mask_or_keyword(raw)
        || v.contains(KEY_OMITTED)
    {
        return Step { edit: None, resume: abs.end.max(m.start() + 1) };
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let number = v.bytes().all(|b| b.is_ascii_digit() || matches!(b, b',' | b'_' | b'.' | b':'));
    // A name's value in code (`os.environ["X"]`, a regex `/ghp_[A-Za-z0-9]{36}/`), or an
    // identifier after a name that only mentions a secret (`secretsmanager:GetSecretValue`).
    let code = !quoted && v.contains(['(', '[']);
    let camel_words = camel_identifier(v) && v.bytes().skip(1).any(|b| b.is_ascii_uppercase()) && digits == 0;
    if kind == Name::Secret && (number && digits <= 8 || is_version(v) || camel_words) || code {
        return keep;
    }
    if kind == Name::Auth
        && !(v.len() >= 8
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
            && told(v, 8))
    {
        return keep;
    }
    let sep = c["sep"].trim();
    let colon = sep == ":" || sep == "：";
    if colon && !quoted {
        let plain_name = c["quote"].is_empty() && c["name"].bytes().all(|b| b.is_ascii_alphabetic());
        let word = v.bytes().all(|b| b.is_ascii_lowercase());
        let rest = &text[abs.end..];
        let more_words = rest.starts_with(' ') && rest[1..].starts_with(|ch: char| ch.is_ascii_alphabetic());
        if plain_name && word && (PROSE_WORDS.contains(&v) || more_words) {
            return keep;
        }
    }
    Step { edit: Some((abs.clone(), KEY_OMITTED.to_owned())), resume: abs.end }
}

/// Where an unquoted value ends: before punctuation that closes its line (`,` `;` `)` and a
/// sentence's `.`), or before the next `;name=` / `&name=` / `,name=` of a query or
/// connection string.
fn unquoted_end(v: &str) -> usize {
    let b = v.as_bytes();
    for i in 0..b.len() {
        if matches!(b[i], b';' | b'&' | b',') {
            let rest = &v[i + 1..];
            let name_len = rest
                .bytes()
                .take_while(|&x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-' | b' '))
                .count();
            let name = &rest[..name_len];
            let wordy = name.bytes().all(|x| x.is_ascii_alphabetic() || matches!(x, b'_' | b' ' | b'.' | b'-'));
            if name_len >= 3 && wordy && rest[name_len..].starts_with('=') && rest.as_bytes()[0].is_ascii_alphabetic() {
                return i;
            }
        }
    }
    let mut end = v.trim_end_matches([',', ';', ')', ']', '}']).len();
    if v[..end].ends_with('.') {
        end -= 1;
    }
    end
}

/// A placeholder for a value rather than the value: `$TOKEN`, `$password`, `${X}`, `$(cmd)`,
/// `${{ secrets.X }}`, `{{ .Values.x }}`, `{name}`, `%NAME%`, `<your key>`. A value that
/// merely starts with `$ % { <` (`$ecr3t!`, `%Tg7…`, `{xY…`) is a value.
fn is_reference(v: &str) -> bool {
    let ident = |s: &str, upper: bool| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b == b'_' || if upper { b.is_ascii_uppercase() || b.is_ascii_digit() } else { b.is_ascii_lowercase() }
            })
            && !s.as_bytes()[0].is_ascii_digit()
    };
    if v.starts_with("${") || v.starts_with("{{") || v.starts_with("$(") {
        return true;
    }
    if let Some(rest) = v.strip_prefix('$') {
        return ident(rest, true) || ident(rest, false);
    }
    if let Some(rest) = v.strip_prefix('%').and_then(|r| r.strip_suffix('%')) {
        return ident(rest, true) || ident(rest, false) || rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    }
    if let Some(rest) = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let words = rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        let digits = rest.bytes().any(|b| b.is_ascii_digit());
        let one_case = !(rest.bytes().any(|b| b.is_ascii_lowercase()) && rest.bytes().any(|b| b.is_ascii_uppercase()));
        return !rest.is_empty() && words && (!digits || one_case);
    }
    if let Some(rest) = v.strip_prefix('<') {
        // `<base64(user:password)>`: whatever is inside the brackets describes the value
        // (not `<code>x</code>`, markup around one).
        if rest.len() > 1 && rest.ends_with('>') && !rest[..rest.len() - 1].contains(['<', '>']) {
            return true;
        }
        return rest.bytes().all(|b| b.is_ascii_alphabetic() || matches!(b, b' ' | b'-' | b'_' | b'.'));
    }
    false
}

/// `****`, `xxxx`, `…`, `[REDACTED]`, `true`, `null`, `required` and the like, and a
/// documentation's placeholder key (`AKIAXXXXXXXXXXXXXXXX`, `npm_000…`): no key holds eight
/// of one character in a row.
fn is_mask_or_keyword(v: &str) -> bool {
    let b = v.as_bytes();
    if b.windows(8).any(|w| w[0].is_ascii_alphanumeric() && w.iter().all(|&c| c == w[0])) {
        return true;
    }
    // An example cut short (`123456789:ABCDEF...`), or a name in capitals for what goes
    // there (`PASSWORD`, `YOUR_API_TOKEN`).
    if v.len() > 3 && (v.ends_with("...") || v.ends_with('…')) {
        return true;
    }
    let capitals = v.bytes().all(|c| c.is_ascii_uppercase() || c == b'_');
    if capitals && ["PASS", "TOKEN", "SECRET", "KEY"].iter().any(|w| v.contains(w)) {
        return true;
    }
    if v.chars().all(|ch| matches!(ch, '*' | 'x' | 'X' | '.' | '•' | '…' | '#' | '-' | '_')) {
        return true;
    }
    let lower = v.trim_matches(['[', ']', '<', '>', '(', ')']).to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "true"
            | "false"
            | "null"
            | "none"
            | "nil"
            | "undefined"
            | "required"
            | "optional"
            | "empty"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "enabled"
            | "disabled"
            | "default"
            | "unset"
            | "n/a"
            | "na"
            | "tbd"
            | "todo"
            | "redacted"
            | "hidden"
            | "masked"
            | "omitted"
            | "placeholder"
            | "secret_redacted"
            | "filtered"
            | "string"
            | "str"
            | "bool"
            | "int"
    )
}

/// A candidate token with each random part (split after an `=` inside it, so `NAME=key`
/// keeps its name) replaced; `None` when none is random.
fn random_parts(token: &str) -> Option<String> {
    let b = token.as_bytes();
    let mut out = String::new();
    let mut changed = false;
    let mut start = 0;
    let mut i = 0;
    while i <= b.len() {
        let end_of_part = i == b.len() || (b[i] == b'=' && b.get(i + 1).is_some_and(|&n| n != b'='));
        if end_of_part {
            let end = if i == b.len() { i } else { i + 1 };
            let part = &token[start..end];
            if looks_random(part) && !is_mask_or_keyword(part) {
                out.push_str(KEY_OMITTED);
                if part.ends_with('=') && i < b.len() {
                    out.push('=');
                }
                changed = true;
            } else {
                out.push_str(part);
            }
            start = end;
        }
        i += 1;
    }
    changed.then_some(out)
}

/// Random-looking: some stretch of it is at least [`RANDOM_BITS`] cheaper as a uniform draw
/// from its alphabet than as identifier text.
pub fn looks_random(part: &str) -> bool {
    randomness(part) >= RANDOM_BITS
}

/// Largest log-likelihood ratio (bits, text over random) over the stretches of `part`, its
/// `=` padding aside; 0 for what is never a key (short, hex only, a UUID, an integrity hash).
#[doc(hidden)]
pub fn randomness(part: &str) -> f64 {
    let core = part.trim_end_matches('=');
    let b = core.as_bytes();
    if b.len() < MIN_CORE_LEN || is_hex_or_uuid(core.trim_matches(['/', '-', '_'])) {
        return 0.0;
    }
    let lower = core.to_ascii_lowercase();
    if ["sha1-", "sha256-", "sha384-", "sha512-", "md5-"].iter().any(|p| lower.starts_with(p)) {
        return 0.0;
    }
    if prefixed_hex(b) {
        return f64::INFINITY;
    }
    let neutral = neutral_mask(b);
    let random = alphabet_bits(b);
    let hex = hex_segments(b);
    let mixed = b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase);
    // The best stretch, and how many characters it spans: one shorter than
    // [`MIN_STRETCH`] is a generated suffix (`worker-exec-mzy6yuvj`), not a key.
    let (mut best, mut run, mut run_len) = (0.0f64, 0.0f64, 0usize);
    let mut prev = None;
    for (i, &c) in b.iter().enumerate() {
        let random = if hex[i] { HEX_BITS } else { random };
        let llr = if neutral[i] { -NEUTRAL_BITS } else { text_bits(prev, c, mixed) - random };
        run_len = if run + llr > 0.0 { run_len + 1 } else { 0 };
        run = (run + llr).max(0.0);
        if run > best && run_len >= MIN_STRETCH {
            best = run;
        }
        prev = Some(c);
    }
    best
}

/// Fewest characters a random stretch spans to make a key.
const MIN_STRETCH: usize = 10;

/// A word and a run of 16 hex digits or more, both digits and letters, joined by `_` or
/// `-` (`tok_<hex>`, `key-<hex>`): an API key's shape, unless the word names a hash
/// (`sha256-<hex>`, `commit_<sha>`: see [`HASH_NAMES`]). A path's own hashes
/// (`blob/<sha>/src`) are not joined so.
fn prefixed_hex(b: &[u8]) -> bool {
    let segs = segments(b);
    segs.iter().enumerate().any(|(k, r)| {
        let run = &b[r.clone()];
        k > 0
            && run.len() >= 16
            && run.iter().all(u8::is_ascii_hexdigit)
            && run.iter().any(u8::is_ascii_digit)
            && run.iter().any(u8::is_ascii_alphabetic)
            && matches!(b[r.start - 1], b'_' | b'-')
            && segs[k - 1].end == r.start - 1
            && !HASH_NAMES.contains(&String::from_utf8_lossy(&b[segs[k - 1].clone()]).to_ascii_lowercase().as_str())
            && !b[segs[k - 1].clone()].iter().all(u8::is_ascii_hexdigit)
            // A cache key's SHA-256 after its words (`node-modules-Linux-<64>`).
            && !(run.len() == 64 && k >= 2)
    })
}

/// Words that name a hash rather than a key when they lead a hex run.
const HASH_NAMES: &[&str] = &[
    "sha", "sha1", "sha256", "sha384", "sha512", "md5", "hash", "digest", "commit", "rev", "git", "blake2b", "blake3",
    "xxh3", "crc32", "etag", "checksum", "g",
];

/// A hex segment (`tok_<hex>`) draws from 16 characters, whatever the rest of its token.
const HEX_BITS: f64 = 4.0;

/// Characters in segments (between `- _ / + =`) of eight or more hex digits.
fn hex_segments(b: &[u8]) -> Vec<bool> {
    let mut mask = vec![false; b.len()];
    for r in segments(b) {
        if r.len() >= 8 && b[r.clone()].iter().all(u8::is_ascii_hexdigit) {
            mask[r].iter_mut().for_each(|m| *m = true);
        }
    }
    mask
}

/// Ranges between separators.
fn segments(b: &[u8]) -> Vec<Range<usize>> {
    let mut segs = Vec::new();
    let mut start = 0;
    for i in 0..=b.len() {
        if i == b.len() || matches!(b[i], b'-' | b'_' | b'/' | b'+' | b'=') {
            if i > start {
                segs.push(start..i);
            }
            start = i + 1;
        }
    }
    segs
}

/// What a character that is certainly not part of a key (a UUID, a path's commit hash, a
/// pod's hash suffix) counts against the stretch it would join.
const NEUTRAL_BITS: f64 = 4.0;

/// Letter bigram costs in quarter bits: row = previous letter (`a`..`z`, then a word's
/// start), column = letter, one base64 digit (`0`-`9A-Za-z+/`) each. Measured with add-one
/// smoothing on the 124 M characters of Rust source and Markdown of the crates this project
/// builds (identifiers split at case changes, case folded, words of two letters or more):
/// `re.findall(r'[A-Z]+(?![a-z])|[A-Z]?[a-z]+', tok)` over `re.findall('[A-Za-z]+', text)`,
/// then `round(-log2(count / row_total) * 4)`, capped at 63.
const BIGRAMS: [&str; 27] = [
    "WMFHYOMcLhRDIEfJdBDAOSRQNd",
    "GSMRDRXgASfDVcEUeJMO8cbdEk",
    "EYOUELaEHjHIRZ7RbGOENUgYUl",
    "GVUI5QGbCeiOYZFScJJQIVbWNo",
    "IKIGPNRdVlbELCXOL9EDZNPJTp",
    "FVTNDGJmBpfENDAXkGJOKpbjTr",
    "LXRc4aQJEjeMQGLXdGDMJacdXd",
    "9bbU5WfhClbXSbDcgKPHKhUhTb",
    "LRIHKHLnZlZJI7FNiPFCkLlSpJ",
    "GSUP7UPSEWKSTTALSTEQETTXWV",
    "JURP3UVWBebRVLRWWUHOQTUXUV",
    "DXaG8DYbBpaEaZDWjbJIKYVjMl",
    "9NUQ9cagHmdQLWECdaGNCfhjMm",
    "IcIDCLDdKgRKZOGPlVBAMQRlSj",
    "SUHIXKPjQYKKG7LGmALIHPKVfo",
    "CfVXCRbQKsYFXeGKiEME8UfkMr",
    "NWKOLaQTPcSSOURWTNOV2ZTaPZ",
    "BbNN8SIbEtTTMJDUjHIFISYZMq",
    "KcLa8cNJEnQQSUJJcSH7HaajMh",
    "EgNR9SiBDtfRTaFMkCKIJdYVFp",
    "Q9KRHNHoLplFKDWKoFDBblmOpj",
    "8ZOV4OYZDkiORTMZZVTTeieOif",
    "BdUUEcbD7ehTXGGXeBLTejSdkl",
    "DMIJEIbJJgeLTZRAUUM8WYYLRe",
    "NPUYNaZXOgfMMDH5eSCBcVVedZ",
    "LeOd1baaJfdaSfRdZeUebWYcQU",
    "GIEIIGQOFbTJHJKFVJEEKNMVaX",
];

static BIGRAM_BITS: LazyLock<[[f32; 26]; 27]> = LazyLock::new(|| {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
    let mut t = [[0.0; 26]; 27];
    for (row, s) in BIGRAMS.iter().enumerate() {
        for (col, ch) in s.bytes().enumerate() {
            let q = DIGITS.iter().position(|&d| d == ch).expect("a base64 digit");
            t[row][col] = q as f32 / 4.0;
        }
    }
    t
});

/// Costs (bits) of the identifier model beyond the letters' bigrams: how often text
/// changes case, class and word where words are joined into identifiers.
mod cost {
    /// A word's first letter after a separator or at the start: either case.
    pub const WORD_CASE: f64 = 1.0;
    /// A lower-case letter going on in lower case.
    pub const LOWER_ON: f64 = 0.15;
    /// A capital after a lower-case letter: a camelCase word starts.
    pub const CAMEL: f64 = 3.5;
    /// Capitals going on (an acronym, an ALL_CAPS name), or a capital's word going on.
    pub const UPPER_ON: f64 = 0.6;
    /// Capitals going on where the token also has lower case: an acronym inside camelCase
    /// (`HTTPServer`), short and rare.
    pub const ACRONYM: f64 = 2.5;
    /// A digit after a letter (`utf8`, `v2`), or a letter after a digit.
    pub const CLASS_CHANGE: f64 = 4.5;
    /// A digit going on in a number.
    pub const DIGIT_ON: f64 = 0.3;
    /// A word starting with a digit.
    pub const DIGIT_START: f64 = 2.0;
    /// A separator (`- _ / +`) after a word; two separators in a row.
    pub const SEPARATOR: f64 = 3.0;
    pub const SEPARATORS: f64 = 6.0;
}

/// The identifier model's price of `c` after `prev`, in bits; `mixed`: the token has both cases.
fn text_bits(prev: Option<u8>, c: u8, mixed: bool) -> f64 {
    let t = &*BIGRAM_BITS;
    let letter = |row: usize, c: u8| f64::from(t[row][usize::from(c.to_ascii_lowercase() - b'a')]);
    let row = |p: u8| usize::from(p.to_ascii_lowercase() - b'a');
    const START: usize = 26;
    match (prev.map(class), class(c)) {
        (None | Some(Class::Other), Class::Lower | Class::Upper) => letter(START, c) + cost::WORD_CASE,
        (None | Some(Class::Other), Class::Digit) => std::f64::consts::LOG2_10 + cost::DIGIT_START,
        (Some(Class::Other), Class::Other) => cost::SEPARATORS,
        (_, Class::Other) => cost::SEPARATOR,
        (Some(Class::Lower), Class::Lower) => letter(row(prev.unwrap_or(b'a')), c) + cost::LOWER_ON,
        (Some(Class::Lower), Class::Upper) => letter(START, c) + cost::CAMEL,
        (Some(Class::Upper), Class::Upper) if mixed => letter(row(prev.unwrap_or(b'a')), c) + cost::ACRONYM,
        (Some(Class::Upper), Class::Upper | Class::Lower) => letter(row(prev.unwrap_or(b'a')), c) + cost::UPPER_ON,
        (Some(Class::Lower | Class::Upper), Class::Digit) => std::f64::consts::LOG2_10 + cost::CLASS_CHANGE,
        (Some(Class::Digit), Class::Digit) => std::f64::consts::LOG2_10 + cost::DIGIT_ON,
        (Some(Class::Digit), Class::Lower | Class::Upper) => letter(START, c) + cost::CLASS_CHANGE,
    }
}

/// The random model's price of one character: log2 of the alphabet the token draws from
/// (hex letters count 6 when a case uses no others).
fn alphabet_bits(b: &[u8]) -> f64 {
    let (mut lower, mut upper, mut digit, mut b64, mut url) = (0u8, 0u8, false, false, false);
    for &c in b {
        match c {
            b'a'..=b'f' => lower = lower.max(1),
            b'g'..=b'z' => lower = 2,
            b'A'..=b'F' => upper = upper.max(1),
            b'G'..=b'Z' => upper = 2,
            b'0'..=b'9' => digit = true,
            b'+' | b'/' => b64 = true,
            _ => url = true,
        }
    }
    let letters = |n: u8| match n {
        0 => 0,
        1 => 6,
        _ => 26,
    };
    let size = letters(lower)
        + letters(upper)
        + if digit { 10 } else { 0 }
        + if b64 { 2 } else { 0 }
        + if url { 2 } else { 0 };
    f64::from(size.max(2)).log2()
}

/// Characters that are certainly no key's: UUIDs; hex segments that are a path's own
/// (`blob/<sha>/src`) or follow a hash's name (`sha256-<hex>`, `commit_<sha>`); and a pod's
/// hash suffixes (`web-7d9f8c6b5-x2k4p`, Kubernetes' consonants-and-digits alphabet).
fn neutral_mask(b: &[u8]) -> Vec<bool> {
    let mut mask = vec![false; b.len()];
    let segs = segments(b);
    let hex = |r: &Range<usize>| r.len() >= 7 && b[r.clone()].iter().all(u8::is_ascii_hexdigit);
    for (k, r) in segs.iter().enumerate() {
        if !hex(r) {
            continue;
        }
        let left = r.start.checked_sub(1).map(|i| b[i]);
        let right = b.get(r.end).copied();
        let path_own = matches!(left, None | Some(b'/')) && matches!(right, None | Some(b'/'));
        let hash_named = k > 0 && {
            let p = std::str::from_utf8(&b[segs[k - 1].clone()]).unwrap_or("").to_ascii_lowercase();
            HASH_NAMES.contains(&p.as_str())
        };
        // A SHA-1 or SHA-256 after two words or more (`node-modules-Linux-<64>`): a cache
        // key's digest; a key's hex follows one word (`tok_<hex>`).
        let digest = k >= 2 && matches!(r.len(), 40 | 64) && matches!(left, Some(b'-' | b'_'));
        if path_own || hash_named || digest {
            mask[r.clone()].iter_mut().for_each(|m| *m = true);
        }
    }
    // UUIDs anywhere.
    let uuid_at = |i: usize| {
        b.len() >= i + 36
            && b[i..i + 36].iter().enumerate().all(|(j, &c)| {
                if matches!(j, 8 | 13 | 18 | 23) {
                    c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    };
    for i in 0..b.len() {
        if uuid_at(i) {
            mask[i..i + 36].iter_mut().for_each(|m| *m = true);
        }
    }
    // Pod names: `<name>-<6..10>-<5>` or `<name>-<5>` at the end, in Kubernetes' alphabet.
    let kube = |r: &Range<usize>| b[r.clone()].iter().all(|c| b"bcdfghjklmnpqrstvwxz2456789".contains(c));
    let n = segs.len();
    if n >= 2 {
        let (last, before) = (&segs[n - 1], &segs[n - 2]);
        let tail = last.len() == 5 && last.end == b.len() && b[last.start - 1] == b'-';
        let lower = b[last.clone()].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let hash = n >= 3 && (6..=10).contains(&before.len()) && kube(before) && b[before.start - 1] == b'-';
        if tail && (kube(last) || (hash && lower)) {
            mask[last.clone()].iter_mut().for_each(|m| *m = true);
            if hash {
                mask[before.clone()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    mask
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class(c: u8) -> Class {
    match c {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Digit,
        _ => Class::Other,
    }
}

/// Hex digests, UUIDs and trace ids (hex parts joined by `-` after a version of one or two
/// digits: W3C's `00-<32>-<16>-01`, AWS's `1-<8>-<24>`), in either case. A key of hex parts
/// (Mailgun's `<32>-<8>-<8>`) has no such version.
fn is_hex_or_uuid(s: &str) -> bool {
    let hex = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    let uuid_shape = parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]);
    let versioned = parts.len() >= 3 && parts[0].len() <= 2 && parts[0].bytes().all(|b| b.is_ascii_digit());
    hex(s) || ((uuid_shape || versioned) && parts.iter().all(|p| hex(p)))
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

    /// Found by an independent attacker's corpus: shapes that are keys wherever they are,
    /// passwords told in more ways, and what surrounds a token saying it is public.
    #[test]
    fn shapes_and_told_passwords_an_attacker_tried() {
        hidden("bot = telebot.TeleBot(\"5123456789:AAHq9sX2LmZ0pW7vQeR4tY8uI1oP3aSdFgK\")", "AAHq9sX2LmZ0pW7");
        hidden("bot = telebot.TeleBot(\"5123456789:AAHq9sX2LmZ0pW7vQeR4tY8uI1oP3aSdFgK\")", "5123456789");
        hidden("client.run('MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs')", "Cl2FMQ");
        hidden("az login -p Abc8Q~pQ7rS9tU1vW3xY5zA7bC9dE1fG3hJ5kL7m --tenant t", "Abc8Q~");
        hidden("$ kubeadm token create 9a8b7c.1d2e3f4a5b6c7d8e", "9a8b7c");
        hidden("mongosh -u admin -p 'walnut-orbit-canyon' --authenticationDatabase admin", "walnut-orbit");
        hidden("echo 'pLmn7Qz!rtw' | docker login registry.internal -u ci --password-stdin", "pLmn7Qz");
        hidden("keytool -importkeystore -deststorepass 'MarbleHarbor2291!'", "MarbleHarbor");
        hidden("The default credentials are admin / RiverXo#4417bT", "RiverXo#");
        hidden("I set your password to \"Pebble=4410.CEDAR\"; change it soon.", "Pebble=4410");
        hidden("DBのパスワードを「maple-cinder-otter」に変更しました。", "maple-cinder");
        hidden("DD-APPLICATION-KEY: 3f9a1c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", "3f9a1c0d8e7b6a5f");
        // Found after the freeze, by a second attacker's corpus (creds8).
        hidden("refresh_token = \"5d41402abc4b2a76b9719d911017c592\"", "5d41402abc4b");
        hidden("ENV[\"WEBHOOK_SECRET\"] ||= \"9e107d9d372bb6826bd81d3542a419d6\"", "9e107d9d372b");
        hidden("Encryption key: \"e4d909c290d0fb1ca068ffaddf22cbd0e4d909c290d0fb1c\"", "e4d909c290d0");
        hidden("Using the API token 0cc175b9c0f1b6a831c399e269772661 for the deploy.", "0cc175b9c0f1");
        hidden("暗号化キーは 92eb5ffee6ae2fec3ad71c777531578f なので", "92eb5ffee6ae");
        hidden("MFAのシークレットキー: JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK");
        kept("token_refresh_ms = 30000");
        // A key's tail cut off by a wrap or a space goes with it; a word after it stays.
        hidden("export STRIPE_SECRET_KEY=sk_live_51HqLyjWDarjtT1zdp7dcXm2Tz\n  UtGlXn2DE", "UtGlXn2DE");
        assert_eq!(redact("the token ghp_16C7e42F292c6912E7710c838347Ae178B4a in CI"), "the token キー省略 in CI");
        hidden("| SMTP_PASSWORD | blue4-Zipper-Juniper-26 | DB_PORT | 5432 |", "blue4-Zipper");
        hidden("| SSH_KEY_PASSPHRASE | nectar pepper cedar sunflower |", "nectar pepper");
        hidden("You can sign in with the YubiKey PIN 567715414094.", "567715414094");
        hidden("ADMIN_PIN=\"78905556\"", "78905556");
        hidden("+BACKUP_CODE=8724492602", "8724492602");
        hidden("mysql> SET PASSWORD FOR 'kenji'@'localhost' = 'the iguana jacket is sleepy';", "iguana jacket");
        hidden(
            "ALTER USER 'grafana'@'localhost' IDENTIFIED WITH caching_sha2_password BY '985946459577';",
            "985946459577",
        );
        hidden("CREATE ROLE app LOGIN PASSWORD 'Tr0ub4dor3';", "Tr0ub4dor3");
        hidden("smbclient //fs01/share -U alice%CompassForestMapleHorse", "CompassForest");
        hidden("<password>museum1-Battery-Coffee-44</password>", "museum1-Battery");
        hidden("resticリポジトリのパスワードは beaver-canyon-nebula-badger なので", "beaver-canyon");
        hidden("The Borg passphrase is <code>DesertHarvestCinnamonZipper</code>.", "DesertHarvest");
        hidden(
            "PublicKey = vz9QqZfAgMtPAu56nZjs, PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
            "yAnz5TF",
        );
        for text in [
            "| max_tokens | 4096 |",
            "| status_code | 200 |",
            "pin the version to 2.31.0",
            "exit_code=137",
            "x-request-id: req_011CrJlMEAfWmsKjIgvbxzQn",
            "Add this peer: public key vz9QqZfAgMtPAu56nZjsxFQVsklkF1lv4+zA9y/boAU=, allowed IP 10.8.0.165/32.",
        ] {
            kept(text);
        }
    }

    /// An OpenSSH key's body starts with the same bytes in every key, runs of `A` among them:
    /// no placeholder, and hidden whole as a block.
    #[test]
    fn an_openssh_key_block_is_hidden_whole() {
        let block = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACCtyIpN4K9bVulWw8zuiUpaDARUjuI4hxBJ4t0AM/nTkQAAAJC8BlQp7iyg\n-----END OPENSSH PRIVATE KEY-----";
        let out = redact_blocks(block);
        assert!(!out.contains("b3BlbnNza") && !out.contains("QyNTUxOQ"), "{out}");
        assert_eq!(
            redact_blocks("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"),
            "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"
        );
    }

    #[test]
    fn public_ids_digests_and_placeholders_are_kept() {
        for text in [
            "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "X-Amzn-Trace-Id: Root=1-5f84c7a1-3c5d9e8f7a6b5c4d3e2f1a0b",
            "The NAT gateway nat-0a1b2c3d4e5f60718 is in us-east-1.",
            "  .next/static/chunks/pages/_app-2b7c9d1e3f4a5b6c.js",
            "Created order 01HZX3V5K8M2N4P6Q8R0S2T4V6 for the cart.",
            "~/.cache/pip/wheels/4e/7a/1f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c",
            "Opening https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s in your browser",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbK4pQ7rS9tU1vW3xY5zA7bC9dE1fG3hJ5kL7mN9pQ ana@laptop",
            "echo 'aGVsbG8gd29ybGQgYWdhaW4=' | base64 -d",
            "github.com/spf13/cobra v1.8.1 h1:e5/vxKd/rZsfSJMUX1agtjeTDf+qv1/JdBF8gg5k9ZM=",
            "Cache restored from key: node-modules-Linux-3e1f0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e",
            "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
            "DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DBNAME",
            "Authorization: Basic <base64(user:password)>",
            "api_key = os.environ[\"SERVICE_KEY\"]",
            "const TOKEN_RE = /ghp_[A-Za-z0-9]{36}/;",
            "on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api",
            "User is not authorized to perform: secretsmanager:GetSecretValue",
        ] {
            kept(text);
        }
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

    /// Passwords people make (words, digits, a mark) named in prose without "is", and
    /// what must stay: an image's tag, a path's anchor, a sentence about a password.
    #[test]
    fn passwords_named_in_prose_and_what_looks_like_them() {
        hidden("I pasted the API key 8Kuge3PGLr6g9314EHEt into the config.", "8Kuge3PGLr6g");
        hidden("Use SoHwANGvoZ.ivbrwi7VCstSbI7 as the admin password for now.", "SoHwANGvoZ");
        hidden("The vault token for staging is rR8ARU8tND1k.sRdBA.DWAjoACQS.", "rR8ARU8tND1k");
        hidden("Log in with te88epFIMbNl5*!5ooCC and change it.", "te88epFIMbNl5");
        hidden("Use gw&vmpyro#kcG+.&Ys#A as the admin password.", "vmpyro");
        kept("Pull ghcr.io/acme/token:4.1.3-alpine first.");
        kept("Open token:4.1.3-alpine to see the failing assertion.");
        kept("See src/Auth2Handler.rs#L10-L25 for the check.");
        kept("Use PasswordResetService2 as the password service.");
        kept("The password for staging is rotated every 30 days.");
        kept("Pass the API key through VAULT_ADDR_2 instead.");
    }

    #[test]
    fn inline_data_is_omitted_not_taken_for_a_key() {
        let img = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
        assert_eq!(redact(&format!("The icon is {img} inline.")), format!("The icon is {DATA_OMITTED} inline."));
    }

    /// Issue #21's attacker: each of these was spoken or kept whole before.
    #[test]
    fn random_keys_the_old_net_kept() {
        for secret in [
            "Zq3vR8tkW2mB9xN4pL7cF1hJ",         // base62, 24
            "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW", // base62, 32
            "tok_0123456789abcdef0123456789abcdef",
            "key-9f86d081884c7d659a2feaa0c55ad015",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", // TOTP, base32
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz", // base64 with two `/`
            "q9Z+fT2/xK7mWp4LrB8s",             // base64, 20
        ] {
            hidden(&format!("It printed {secret} and stopped."), secret);
        }
        // A wrapped key's tail on its own.
        hidden("x7Qm2RkT9vLp4WzN8cYh", "x7Qm2RkT9vLp4WzN8cYh");
    }

    #[test]
    fn passwords_in_urls_commands_and_files() {
        let cases = [
            ("redis://:s3cretPw@cache:6379/0", "s3cretPw"),
            ("postgres://u:p@ss@host/db", "p@ss"),
            ("password: hunter2x", "hunter2x"),
            ("db_password: letmein", "letmein"),
            ("password=$ecr3t!", "$ecr3t!"),
            ("password: %Tg7kLm2", "%Tg7kLm2"),
            ("password: {xY7_q2Lm}", "{xY7_q2Lm}"),
            ("password: <Pa55w0rd!", "<Pa55w0rd!"),
            ("PASSWORD＝hunter2", "hunter2"),
            ("パスワード：hunter2", "hunter2"),
            (r#"{"Authorization": "Bearer abcdEFGH1234ijkl"}"#, "abcdEFGH1234ijkl"),
            ("machine api.x.com login bob password s3cr3t", "s3cr3t"),
            ("curl -u user:pw1234 https://x.io", "pw1234"),
            ("mysql -u root -pS3cret app", "S3cret"),
            ("mysql --password=S3cret app", "S3cret"),
            ("sshpass -p pw9876 ssh host", "pw9876"),
            (r#""auth": "dXNlcjpwYXNzd29yZA==""#, "dXNlcjpwYXNz"),
            ("the password is Tr0ub4dor", "Tr0ub4dor"),
            ("my password is hunter2", "hunter2"),
            ("パスワードは hunter2", "hunter2"),
            ("docker login -u bob -p Xy7pass registry.io", "Xy7pass"),
            ("redis-cli -a hunter22 ping", "hunter22"),
            ("api_key=abc123&user=bob", "abc123"),
            ("Password=abc;Server=db", "abc"),
        ];
        for (text, secret) in cases {
            hidden(text, secret);
        }
        assert_eq!(redact("curl -u user:pw1234 https://x.io"), format!("curl -u user:{KEY_OMITTED} https://x.io"));
        assert_eq!(redact("api_key=abc123&user=bob"), format!("api_key={KEY_OMITTED}&user=bob"));
        assert_eq!(redact("postgres://u:p@ss@host/db"), format!("postgres://u:{KEY_OMITTED}@host/db"));
    }

    #[test]
    fn counters_settings_and_names_are_not_secrets() {
        for text in [
            "web-7d9f8c6b5-x2k4p restarted",
            "api-server-5f6d7c8b9d-abcde is Running",
            "max_tokens: 4096",
            "Total tokens: 12,345",
            "tokenizer: sentencepiece",
            "input_tokens=1523",
            "password_min_length = 12",
            "token_ttl=3600",
            "pip install sk-learn sk-video sk-learn-extra-tools-for-data",
            "secret_name: my-app-tls",
            "token_type: bearer",
            "key_size: 2048",
            "keyboard: us",
            "the password: see below",
            "The password is incorrect.",
            "パスワードは必須です。",
            "docker run -u 1000:1000 app",
            "git push -u origin main",
            "password: $DB_PASSWORD",
            "password: ${{ secrets.DB }}",
            "password: <your password>",
            "password: %DB_PASS%",
            "password={password}",
            "See crate::auth::secret::SecretStore for details.",
            "https://github.com/acme/app/blob/3f9a2c19b8e7d6c5a4f3e2d1c0b9a8f7e6d5c4b3/src/main.rs",
            "image@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "integrity sha512-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "ThisIsAVeryLongIdentifierName and how-to-configure-the-build-system",
            "pvc-123e4567-e89b-12d3-a456-426614174000 bound",
        ] {
            kept(text);
        }
    }

    #[test]
    fn a_sentence_is_redacted_in_microseconds() {
        let sentence = "Deploying api-server-5f6d7c8b9d-abcde with max_tokens: 4096 from \
            https://github.com/acme/app/blob/main/src/handlers/user_account_settings.rs while \
            getUserAccountSettingsForOrganization2024 waits on 123e4567-e89b-12d3-a456-426614174000 \
            and the password: see below; export API_KEY=$API_KEY, then curl -H 'X-Trace: on' done. "
            .repeat(2);
        prepare();
        let n = 2000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(redact(std::hint::black_box(&sentence)));
        }
        let each = start.elapsed() / n;
        println!("redact: {each:?} per {}-char sentence", sentence.len());
        // Generous for a debug build on a loaded machine; a release build takes a few µs.
        assert!(each < std::time::Duration::from_millis(2), "{each:?} per {}-char sentence", sentence.len());
    }

    #[test]
    fn nothing_found_borrows() {
        assert!(matches!(redact("All tests pass."), Cow::Borrowed(_)));
    }
}
