//! The credential detector measured on a generated corpus (issue #21): thousands of random
//! secrets of every alphabet and length 20–80 in realistic carriers (prose, shell, config
//! files, URLs, logs, code), and thousands of look-alikes that must come back untouched.
//!
//! Two seeds: TRAIN is what the detector's constants were tuned on (`cargo test --release
//! --test redaction_corpus -- --ignored --nocapture train` prints its figures and the
//! score spread); TEST is only ever measured, and holds the floors:
//! recall ≥ 99.5 % (a secret is caught only when no run of 6 of its characters survives)
//! and false positives ≤ 0.5 % (any change to a look-alike's text counts).
//!
//! `cargo test --release --test redaction_corpus -- --nocapture` prints the TEST figures.

use std::collections::BTreeMap;

use speakja::text::redact::{randomness, redact, KEY_OMITTED};

const TRAIN_SEED: u64 = 0x5eed_0001_7a11_0001;
const TEST_SEED: u64 = 0x7e57_2026_0c0f_fee5;
/// Secrets and look-alikes per class.
const PER_CLASS: usize = 1500;

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }
    fn draw(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const BASE62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Printable password characters that survive every carrier unquoted or single-quoted.
const PASSWORD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@$%^&*-_+=.~:";
const KUBE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Alpha {
    PrefixedHex,
    Base62,
    Base64Std,
    Base64Url,
    Base32,
    Password,
    Provider,
}

const ALPHAS: [Alpha; 7] = [
    Alpha::PrefixedHex,
    Alpha::Base62,
    Alpha::Base64Std,
    Alpha::Base64Url,
    Alpha::Base32,
    Alpha::Password,
    Alpha::Provider,
];

fn secret(rng: &mut Rng, alpha: Alpha, len: usize) -> String {
    match alpha {
        Alpha::PrefixedHex => {
            let prefix = *rng.pick(&[
                "tok_", "key-", "api_", "sess_", "sec-", "auth_", "pk_", "t-", "live_", "prod-", "acct_", "dop_v1_",
                "whsec_", "token-", "k-", "rk_", "shpat_", "key_", "ak-", "app-",
            ]);
            let body = len.saturating_sub(prefix.len()).max(16);
            let hex = rng.draw(HEX, body);
            let hex = if rng.chance(0.2) { hex.to_ascii_uppercase() } else { hex };
            format!("{prefix}{hex}")
        }
        Alpha::Base62 => rng.draw(BASE62, len),
        Alpha::Base64Std => {
            let pad = *rng.pick(&[0, 0, 1, 2]);
            format!("{}{}", rng.draw(BASE64, len - pad), "=".repeat(pad))
        }
        Alpha::Base64Url => rng.draw(BASE64URL, len),
        Alpha::Base32 => rng.draw(BASE32, len),
        Alpha::Password => loop {
            let p = rng.draw(PASSWORD, len);
            let has = |set: &[u8]| p.bytes().any(|b| set.contains(&b));
            if has(LOWER) && has(UPPER) && has(DIGITS) && has(b"!@$%^&*-_+=.~:") {
                break p;
            }
        },
        Alpha::Provider => {
            let n = rng.below(11);
            match n {
                0 => format!("sk-proj-{}", rng.draw(BASE64URL, len.max(40))),
                1 => format!("sk-ant-api03-{}", rng.draw(BASE64URL, len.max(40))),
                2 => format!("sk-{}", rng.draw(BASE62, 48)),
                3 => format!("ghp_{}", rng.draw(BASE62, 36)),
                4 => format!("github_pat_{}_{}", rng.draw(BASE62, 22), rng.draw(BASE62, 59)),
                5 => format!("xoxb-{}-{}-{}", rng.draw(DIGITS, 12), rng.draw(DIGITS, 13), rng.draw(BASE62, 24)),
                6 => format!("glpat-{}", rng.draw(BASE64URL, 20)),
                7 => format!("AKIA{}", rng.draw(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
                8 => format!("AIza{}", rng.draw(BASE64URL, 35)),
                9 => format!("sk_live_{}", rng.draw(BASE62, 24)),
                _ => format!("hf_{}", rng.draw(BASE62, 34)),
            }
        }
    }
}

/// Carriers for any key (`{S}` is the secret).
const CARRIERS: &[&str] = &[
    "Found {S} in the log.",
    "The server returned {S} as the session id.",
    "2024-05-01T12:00:00Z INFO request ok sig={S} user=bob",
    "[2024-05-01 12:00:01] ERROR auth failed for {S} (status 401)",
    "export SERVICE_CONFIG={S}",
    "export OPENAI_API_KEY=\"{S}\"",
    "curl -H 'X-Api-Key: {S}' https://api.example.com/v1/items",
    "curl -H \"Authorization: Bearer {S}\" https://api.example.com/v1/me",
    "curl 'https://api.example.com/v1/items?access_token={S}&page=2'",
    "curl https://hooks.example.com/services/{S}",
    "wget https://example.com/download?key={S}",
    "TOKEN={S}",
    "API_KEY={S}",
    "api_key = \"{S}\"",
    "secret_key: {S}",
    "  client_secret: '{S}'",
    "\"token\": \"{S}\",",
    "{\"apiKey\": \"{S}\", \"region\": \"us-east-1\"}",
    "[default]\naws_secret_access_key = {S}",
    "auth_token={S}",
    "client = OpenAI(api_key=\"{S}\")",
    "const secret = '{S}';",
    "headers = {\"Authorization\": \"Bearer {S}\"}",
    "fetch(url, { headers: { 'x-api-key': '{S}' } })",
    "let key = \"{S}\";",
    "docker run -e API_TOKEN={S} -p 8080:8080 app",
    "The key {S} was rotated yesterday.",
    "Use {S} as the value.",
    "value: {S}",
    "{S}",
    "Set the cookie session={S} and reload.",
    "<add key=\"ApiKey\" value=\"{S}\" />",
    "WARN retrying with credential {S} after 3 attempts",
    "kubectl create secret generic app --from-literal=token={S}",
    "git push https://x-access-token:{S}@github.com/acme/app.git",
    "redis://:{S}@cache.internal:6379/0",
];

/// Carriers for a password, which only a name or a command gives away.
const PASSWORD_CARRIERS: &[&str] = &[
    "password={S}",
    "DB_PASSWORD={S}",
    "export PGPASSWORD='{S}'",
    "password: \"{S}\"",
    "  password: {S}",
    "\"password\": \"{S}\",",
    "mysql -u root -p'{S}' app",
    "mysql -u root -p{S} app",
    "curl -u admin:{S} https://api.example.com",
    "sshpass -p '{S}' ssh deploy@example.com",
    "my password is {S}",
    "The password is {S} for now.",
    "postgres://app:{S}@db.internal:5432/app",
    "machine api.example.com login bob password {S}",
    "パスワードは {S} です",
    "パスワード：{S}",
    "spring.datasource.password={S}",
    "Password: {S}",
    "redis-cli -a {S} ping",
    "docker login -u bob -p {S} registry.example.com",
    "PASSWORD = '{S}'",
    "db_pass := \"{S}\"",
    "MYSQL_ROOT_PASSWORD={S}",
    "psql \"postgresql://admin:{S}@localhost/app\"",
];

const WORDS: &[&str] = &[
    "user",
    "account",
    "settings",
    "organization",
    "request",
    "response",
    "handler",
    "manager",
    "service",
    "deploy",
    "config",
    "server",
    "client",
    "database",
    "connection",
    "pool",
    "cache",
    "session",
    "router",
    "controller",
    "model",
    "view",
    "template",
    "render",
    "update",
    "delete",
    "create",
    "fetch",
    "parse",
    "build",
    "test",
    "spec",
    "integration",
    "middleware",
    "auth",
    "login",
    "logout",
    "profile",
    "image",
    "upload",
    "download",
    "file",
    "stream",
    "buffer",
    "reader",
    "writer",
    "event",
    "listener",
    "queue",
    "worker",
    "job",
    "task",
    "schedule",
    "metric",
    "counter",
    "gauge",
    "histogram",
    "trace",
    "span",
    "logger",
    "level",
    "format",
    "message",
    "error",
    "warning",
    "info",
    "debug",
    "context",
    "provider",
    "factory",
    "builder",
    "adapter",
    "proxy",
    "singleton",
    "abstract",
    "base",
    "default",
    "custom",
    "internal",
    "external",
    "public",
    "private",
    "static",
    "dynamic",
    "value",
    "item",
    "list",
    "array",
    "map",
    "set",
    "tree",
    "node",
    "edge",
    "graph",
    "path",
    "route",
    "search",
    "index",
    "query",
    "filter",
    "sort",
    "order",
    "page",
    "limit",
    "offset",
    "total",
    "count",
    "number",
    "string",
    "integer",
    "float",
    "double",
    "boolean",
    "object",
    "class",
    "interface",
    "module",
    "package",
    "library",
    "frontend",
    "backend",
    "gateway",
    "ingress",
    "storage",
    "volume",
    "secret",
    "token",
    "payment",
    "invoice",
    "customer",
    "order",
    "product",
    "catalog",
    "inventory",
    "shipping",
    "address",
    "email",
    "notification",
    "websocket",
    "channel",
    "subscription",
    "publisher",
    "consumer",
    "producer",
    "broker",
    "kafka",
    "redis",
    "postgres",
    "mongo",
    "elastic",
    "nginx",
    "docker",
    "kubernetes",
    "helm",
    "terraform",
    "ansible",
    "jenkins",
    "github",
    "gitlab",
    "runner",
    "pipeline",
    "stage",
    "step",
    "artifact",
    "release",
    "version",
    "migration",
    "schema",
    "table",
    "column",
    "record",
    "entity",
    "repository",
    "transaction",
    "commit",
    "rollback",
    "retry",
    "timeout",
    "deadline",
    "backoff",
    "throttle",
    "rate",
    "window",
    "buffer",
    "chunk",
    "batch",
    "bulk",
    "export",
    "import",
    "sync",
    "async",
    "await",
    "promise",
    "future",
    "callback",
    "closure",
    "iterator",
    "generator",
    "parser",
    "lexer",
    "compiler",
    "runtime",
    "engine",
    "plugin",
    "extension",
    "theme",
    "layout",
    "component",
    "button",
    "dialog",
    "modal",
    "header",
    "footer",
    "sidebar",
    "navigation",
    "menu",
    "tooltip",
    "canvas",
    "animation",
    "transition",
    "style",
    "color",
    "font",
    "icon",
    "asset",
    "bundle",
    "webpack",
    "vite",
    "babel",
    "eslint",
    "prettier",
    "typescript",
    "python",
    "rust",
    "golang",
    "java",
    "kotlin",
    "swift",
    "ruby",
    "rails",
    "django",
    "flask",
    "express",
    "react",
    "angular",
    "vue",
    "svelte",
    "next",
    "nuxt",
    "remix",
    "astro",
];

fn word(rng: &mut Rng) -> &'static str {
    *rng.pick(WORDS)
}

fn cap(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn words(rng: &mut Rng, lo: usize, hi: usize) -> Vec<&'static str> {
    let n = rng.range(lo, hi);
    (0..n).map(|_| *rng.pick(WORDS)).collect()
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Look {
    Identifier,
    JavaName,
    Path,
    Url,
    GitSha,
    Sha256,
    Uuid,
    PodName,
    ImageDigest,
    Version,
    Package,
    EnglishConcat,
    Number,
    CounterConfig,
    CssColor,
    Timestamp,
    Ip,
    KubeResource,
    TypePath,
    ErrorCode,
    Slug,
    Word,
    Prose,
}

const LOOKS: [Look; 23] = [
    Look::Identifier,
    Look::JavaName,
    Look::Path,
    Look::Url,
    Look::GitSha,
    Look::Sha256,
    Look::Uuid,
    Look::PodName,
    Look::ImageDigest,
    Look::Version,
    Look::Package,
    Look::EnglishConcat,
    Look::Number,
    Look::CounterConfig,
    Look::CssColor,
    Look::Timestamp,
    Look::Ip,
    Look::KubeResource,
    Look::TypePath,
    Look::ErrorCode,
    Look::Slug,
    Look::Word,
    Look::Prose,
];

fn hex(rng: &mut Rng, n: usize) -> String {
    rng.draw(HEX, n)
}

fn uuid(rng: &mut Rng) -> String {
    format!("{}-{}-{}-{}-{}", hex(rng, 8), hex(rng, 4), hex(rng, 4), hex(rng, 4), hex(rng, 12))
}

fn look_alike(rng: &mut Rng, look: Look) -> String {
    match look {
        Look::Identifier => {
            let ws = words(rng, 3, 7);
            match rng.below(5) {
                0 => ws[0].to_string() + &ws[1..].iter().map(|w| cap(w)).collect::<String>(),
                1 => ws.iter().map(|w| cap(w)).collect(),
                2 => ws.join("_"),
                3 => ws.join("_").to_ascii_uppercase(),
                _ => {
                    let n = rng.range(1, 2024);
                    format!("{}{}V{n}", ws[0], ws[1..].iter().map(|w| cap(w)).collect::<String>())
                }
            }
        }
        Look::JavaName => {
            let pkg = words(rng, 2, 4).join(".");
            let cls: String = words(rng, 3, 6).iter().map(|w| cap(w)).collect();
            format!("org.{pkg}.{cls}")
        }
        Look::Path => {
            let ws = words(rng, 2, 6);
            match rng.below(4) {
                0 => format!("/usr/local/lib/python3.11/site-packages/{}/{}.py", ws[0], ws[1..].join("_")),
                1 => format!("src/{}/{}.rs", ws[..ws.len() - 1].join("/"), ws[ws.len() - 1]),
                2 => format!("/home/dev/projects/{}/{}", ws.join("-"), "node_modules/.bin"),
                _ => format!("./{}/{}Test.java", ws.join("/"), cap(ws[0])),
            }
        }
        Look::Url => {
            let ws = words(rng, 2, 5);
            match rng.below(4) {
                0 => {
                    format!("https://github.com/{}/{}/blob/{}/src/{}.rs", ws[0], ws[1], hex(rng, 40), ws[ws.len() - 1])
                }
                1 => format!("https://example.com/{}?page={}&sort=desc", ws.join("/"), rng.range(1, 99)),
                2 => format!("https://docs.{}.io/en/latest/{}.html#{}", ws[0], ws[1..].join("-"), ws[1]),
                _ => format!("http://localhost:{}/api/v1/{}", rng.range(1000, 9999), ws.join("/")),
            }
        }
        Look::GitSha => {
            if rng.chance(0.5) {
                hex(rng, 40)
            } else {
                let n = rng.range(7, 12);
                hex(rng, n)
            }
        }
        Look::Sha256 => {
            if rng.chance(0.5) {
                hex(rng, 64)
            } else {
                format!("sha256:{}", hex(rng, 64))
            }
        }
        Look::Uuid => uuid(rng),
        Look::PodName => {
            let ws = words(rng, 1, 3).join("-");
            match rng.below(3) {
                0 => format!("{ws}-{}-{}", rng.draw(KUBE, 10), rng.draw(KUBE, 5)),
                1 => format!("{ws}-{}-{}", rng.draw(KUBE, 9), rng.draw(KUBE, 5)),
                _ => format!("{ws}-{}", rng.draw(KUBE, 5)),
            }
        }
        Look::ImageDigest => {
            let w = word(rng);
            format!("ghcr.io/acme/{w}@sha256:{}", hex(rng, 64))
        }
        Look::Version => {
            let (a, b, c) = (rng.range(0, 20), rng.range(0, 40), rng.range(0, 200));
            match rng.below(3) {
                0 => format!("v{a}.{b}.{c}"),
                1 => format!("{a}.{b}.{c}-rc.{}+build.{}", rng.range(1, 9), rng.range(1, 999)),
                _ => format!("{a}.{b}.{c}-{}-g{}", rng.range(1, 99), hex(rng, 7)),
            }
        }
        Look::Package => {
            let ws = words(rng, 1, 3);
            match rng.below(4) {
                0 => format!("@{}/{}", ws[0], ws.join("-")),
                1 => format!("sk-{}", ws.join("-")),
                2 => format!("python-{}", ws.join("-")),
                _ => format!(
                    "{}-{}@{}.{}.{}",
                    ws.join("-"),
                    word(rng),
                    rng.range(0, 9),
                    rng.range(0, 20),
                    rng.range(0, 9)
                ),
            }
        }
        Look::EnglishConcat => {
            let ws = words(rng, 4, 7);
            let mut s = String::new();
            for (i, w) in ws.iter().enumerate() {
                s += &cap(w);
                if i == 1 && rng.chance(0.5) {
                    s += "A";
                }
            }
            s
        }
        Look::Number => match rng.below(4) {
            0 => format!("{},{:03},{:03}", rng.range(1, 999), rng.range(0, 999), rng.range(0, 999)),
            1 => format!("{}_{:03}_{:03}", rng.range(1, 999), rng.range(0, 999), rng.range(0, 999)),
            2 => format!("{}.{}", rng.range(0, 99999), rng.range(0, 999999)),
            _ => format!("{}", rng.next() % 10_000_000_000),
        },
        Look::CounterConfig => {
            let n = rng.range(1, 99999);
            let (w1, w2) = (word(rng), word(rng));
            rng.pick(&[
                format!("max_tokens: {n}"),
                format!("input_tokens={n}"),
                format!("output_tokens: {n}"),
                format!("token_ttl={n}"),
                format!("password_min_length = {}", n % 64),
                format!("Total tokens: {},{:03}", n % 100, n % 1000),
                "tokenizer: sentencepiece".to_string(),
                format!("key_size: {}", [1024, 2048, 4096][n % 3]),
                format!("secret_name: {w1}-tls"),
                "token_type: bearer".to_string(),
                "keyboard_layout: us".to_string(),
                format!("maxTokens: {n}"),
                format!("\"max_completion_tokens\": {n},"),
                format!("token_count={n}"),
                format!("secretName: {w1}-{w2}"),
                format!("api_key_header: X-{}-Key", cap(w1)),
                format!("password_file: /run/secrets/{w2}"),
                format!("TOKEN_EXPIRY_SECONDS={n}"),
                format!("cache_key: {w1}-{n}"),
                "auth: true".to_string(),
            ])
            .clone()
        }
        Look::CssColor => {
            let n = *rng.pick(&[3, 6, 8]);
            let h = hex(rng, n);
            format!("color: #{h};")
        }
        Look::Timestamp => format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            rng.range(2000, 2030),
            rng.range(1, 12),
            rng.range(1, 28),
            rng.range(0, 23),
            rng.range(0, 59),
            rng.range(0, 59),
            rng.range(0, 999)
        ),
        Look::Ip => {
            if rng.chance(0.7) {
                format!(
                    "{}.{}.{}.{}:{}",
                    rng.range(1, 254),
                    rng.range(0, 255),
                    rng.range(0, 255),
                    rng.range(1, 254),
                    rng.range(1, 65535)
                )
            } else {
                format!("2001:db8:{:x}::{:x}", rng.range(0, 65535), rng.range(0, 65535))
            }
        }
        Look::KubeResource => {
            let ws = words(rng, 2, 5).join("-");
            format!(
                "{}/{ws}",
                rng.pick(&["deployment.apps", "configmap", "service", "statefulset.apps", "ingress.networking.k8s.io"])
            )
        }
        Look::TypePath => {
            let ws = words(rng, 2, 4);
            match rng.below(3) {
                0 => {
                    format!("std::collections::HashMap<String, Vec<{}>>", ws.iter().map(|w| cap(w)).collect::<String>())
                }
                1 => format!(
                    "crate::{}::{}",
                    ws[..ws.len() - 1].join("::"),
                    ws.iter().map(|w| cap(w)).collect::<String>()
                ),
                _ => format!("React.FC<{}Props>", ws.iter().map(|w| cap(w)).collect::<String>()),
            }
        }
        Look::ErrorCode => {
            let (w1, w2, e, x, h) = (word(rng), word(rng), rng.range(1, 9999), rng.next() as u32, rng.range(400, 599));
            rng.pick(&[
                "ERR_OSSL_EVP_UNSUPPORTED".to_string(),
                format!("E{e:04}"),
                "ECONNREFUSED".to_string(),
                format!("0x{x:08X}"),
                format!("ERR_{}_{}", w1.to_ascii_uppercase(), w2.to_ascii_uppercase()),
                "ERR_REQUIRE_ESM".to_string(),
                format!("HTTP {h}"),
            ])
            .clone()
        }
        Look::Slug => words(rng, 4, 9).join("-"),
        Look::Word => rng
            .pick(&[
                "tokenizer",
                "secretary",
                "keyboard",
                "monkey",
                "tokens",
                "passenger",
                "bypass",
                "compass",
                "turkey",
                "keystone",
                "detokenize",
            ])
            .to_string(),
        Look::Prose => rng
            .pick(&[
                "The password is incorrect.",
                "Enter the password: see below.",
                "Reset your password in the settings page.",
                "The token: it expired an hour ago.",
                "The secret to fast builds is caching.",
                "パスワードは必須です。",
                "The API key is required.",
                "Passwords must be at least 12 characters.",
                "The token is invalid or expired.",
                "Use a password manager.",
                "Bearer authentication needs an Authorization: header.",
                "ANTHROPIC_API_KEY is read from the environment.",
                "Set require_token = true to enforce it.",
                "export API_KEY=$API_KEY",
                "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}",
                "password: ********",
                "docker run -u 1000:1000 app",
                "git push -u origin main",
            ])
            .to_string(),
    }
}

const LOOK_CARRIERS: &[&str] = &[
    "See {X} for details.",
    "{X}",
    "INFO 2024-05-01 12:00:00 processed {X} in 42 ms",
    "error: failed at {X}",
    "  - {X}",
    "Running `{X}` now.",
    "value = \"{X}\"",
];

fn has_run(out: &str, secret: &str, run: usize) -> bool {
    let b = secret.as_bytes();
    b.len() >= run && (0..=b.len() - run).any(|i| out.contains(&secret[i..i + run]))
}

#[derive(Default)]
struct Tally {
    n: usize,
    ok: usize,
}

impl Tally {
    fn pct(&self) -> f64 {
        100.0 * self.ok as f64 / self.n.max(1) as f64
    }
}

struct Figures {
    recall: Tally,
    fp: Tally,
    by_alpha: BTreeMap<Alpha, Tally>,
    by_band: BTreeMap<&'static str, Tally>,
    by_look: BTreeMap<Look, Tally>,
    misses: Vec<String>,
    false_positives: Vec<String>,
}

fn band(len: usize) -> &'static str {
    match len {
        ..=29 => "20-29",
        30..=39 => "30-39",
        40..=59 => "40-59",
        _ => "60-80",
    }
}

fn measure(seed: u64) -> Figures {
    let mut rng = Rng(seed);
    let mut f = Figures {
        recall: Tally::default(),
        fp: Tally::default(),
        by_alpha: BTreeMap::new(),
        by_band: BTreeMap::new(),
        by_look: BTreeMap::new(),
        misses: Vec::new(),
        false_positives: Vec::new(),
    };
    for alpha in ALPHAS {
        for _ in 0..PER_CLASS {
            let len = rng.range(20, 80);
            let s = secret(&mut rng, alpha, len);
            let mut carriers = if alpha == Alpha::Password { PASSWORD_CARRIERS } else { CARRIERS };
            if alpha != Alpha::Password && rng.chance(0.15) {
                carriers = PASSWORD_CARRIERS;
            }
            let mut carrier = *rng.pick(carriers);
            // A raw `/` cannot sit in a URL's password.
            while s.contains('/') && (carrier.contains("://") && carrier.contains(":{S}@")) {
                carrier = *rng.pick(carriers);
            }
            let text = carrier.replace("{S}", &s);
            let out = redact(&text);
            let caught = !has_run(&out, &s, 6) && out.contains(KEY_OMITTED);
            for t in [&mut f.recall, f.by_alpha.entry(alpha).or_default(), f.by_band.entry(band(s.len())).or_default()]
            {
                t.n += 1;
                t.ok += usize::from(caught);
            }
            if !caught {
                f.misses.push(format!("{alpha:?} {text:?} -> {out:?}"));
            }
        }
    }
    for look in LOOKS {
        for _ in 0..PER_CLASS / 3 {
            let x = look_alike(&mut rng, look);
            let text = rng.pick(LOOK_CARRIERS).replace("{X}", &x);
            let out = redact(&text);
            let kept = out == text;
            for t in [&mut f.fp, f.by_look.entry(look).or_default()] {
                t.n += 1;
                t.ok += usize::from(!kept);
            }
            if !kept {
                f.false_positives.push(format!("{look:?} {text:?} -> {out:?}"));
            }
        }
    }
    f
}

fn report(name: &str, f: &Figures) {
    println!(
        "== {name}: recall {:.2}% of {} secrets, false positives {:.2}% of {} look-alikes",
        f.recall.pct(),
        f.recall.n,
        f.fp.pct(),
        f.fp.n
    );
    println!("recall by alphabet:");
    for (a, t) in &f.by_alpha {
        println!("  {:<12} {:>7.2}%  ({} of {})", format!("{a:?}"), t.pct(), t.ok, t.n);
    }
    println!("recall by length:");
    for (b, t) in &f.by_band {
        println!("  {b:<12} {:>7.2}%  ({} of {})", t.pct(), t.ok, t.n);
    }
    println!("false positives by look-alike:");
    for (l, t) in &f.by_look {
        println!("  {:<14} {:>6.2}%  ({} of {})", format!("{l:?}"), t.pct(), t.ok, t.n);
    }
    for m in f.misses.iter().take(25) {
        println!("  missed: {m}");
    }
    for m in f.false_positives.iter().take(25) {
        println!("  changed: {m}");
    }
}

#[test]
fn test_seed_meets_the_floors() {
    let f = measure(TEST_SEED);
    report("TEST seed (never tuned on)", &f);
    assert!(f.recall.pct() >= 99.5, "recall {:.2}% under 99.5%", f.recall.pct());
    assert!(f.fp.pct() <= 0.5, "false positives {:.2}% over 0.5%", f.fp.pct());
}

/// The tuning view: TRAIN figures, and how the entropy net's score spreads over bare
/// random tokens and bare look-alikes (the margin `RANDOM_BITS` sits in).
#[test]
#[ignore]
fn train() {
    let f = measure(TRAIN_SEED);
    report("TRAIN seed", &f);
    let mut rng = Rng(TRAIN_SEED ^ 1);
    let pct = |mut v: Vec<f64>, p: &[f64]| {
        v.sort_by(|a, b| a.total_cmp(b));
        p.iter()
            .map(|&q| format!("p{q}={:.1}", v[((v.len() - 1) as f64 * q / 100.0) as usize]))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for alpha in [Alpha::PrefixedHex, Alpha::Base62, Alpha::Base64Std, Alpha::Base64Url, Alpha::Base32] {
        for (lo, hi) in [(20, 24), (25, 32), (33, 80)] {
            let v: Vec<f64> = (0..3000)
                .map(|_| {
                    let len = rng.range(lo, hi);
                    randomness(&secret(&mut rng, alpha, len))
                })
                .collect();
            println!("score {alpha:?} {lo}-{hi}: {}", pct(v, &[0.1, 0.5, 1.0, 5.0, 50.0]));
        }
    }
    for look in LOOKS {
        let v: Vec<f64> = (0..3000)
            .map(|_| {
                let x = look_alike(&mut rng, look);
                x.split(|c: char| !(c.is_ascii_alphanumeric() || "+/_=-".contains(c)))
                    .map(randomness)
                    .fold(0.0, f64::max)
            })
            .collect();
        println!("score {look:?}: {}", pct(v, &[50.0, 99.0, 99.9, 100.0]));
    }
}
