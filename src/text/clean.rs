//! Make a sentence sayable: no escapes, no markdown markers, short URLs and paths.
//!
//! Works on chars only, so no input can make it panic.

/// Clean one sentence (or a short text) for speech. Returns "" when nothing sayable is left.
pub fn clean(text: &str) -> String {
    let plain = strip_controls(text);
    let unlinked = unlink(&plain);
    let mut words: Vec<String> = Vec::new();
    for line in unlinked.lines() {
        for token in strip_line_marker(line).split_whitespace() {
            let w = clean_token(token);
            if !w.is_empty() {
                words.push(w);
            }
        }
    }
    let out = words.join(" ");
    if out.chars().any(char::is_alphanumeric) {
        out
    } else {
        String::new()
    }
}

/// Remove ANSI escape sequences, control characters, replacement and zero-width characters.
pub fn strip_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\u{1b}' => match it.next() {
                // CSI: parameters, then one final byte in @..~.
                Some('[') => {
                    for d in it.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                }
                // OSC / DCS / APC: up to BEL or ESC \.
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    while let Some(d) = it.next() {
                        if d == '\u{7}' {
                            break;
                        }
                        if d == '\u{1b}' {
                            it.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{fffd}' | '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            c if c.is_control() => {}
            c if ('\u{e000}'..='\u{f8ff}').contains(&c) => {}
            c => out.push(c),
        }
    }
    out
}

/// `[text](url)` → `text`.
fn unlink(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            if let Some(close) = chars[i + 1..].iter().position(|&c| c == ']' || c == '[') {
                let close = i + 1 + close;
                if chars[close] == ']' && chars.get(close + 1) == Some(&'(') {
                    if let Some(end) = chars[close + 2..].iter().position(|&c| c == ')') {
                        out.extend(&chars[i + 1..close]);
                        i = close + 2 + end + 1;
                        continue;
                    }
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Drop a leading heading `#`, quote `>`, bullet or list number.
fn strip_line_marker(line: &str) -> &str {
    let mut s = line.trim_start();
    loop {
        let before = s;
        if s.starts_with('#') {
            let rest = s.trim_start_matches('#');
            if rest.starts_with(' ') || rest.is_empty() {
                s = rest.trim_start();
            }
        }
        for marker in ["- ", "* ", "+ ", "• ", "> ", "▎ "] {
            if let Some(rest) = s.strip_prefix(marker) {
                s = rest.trim_start();
            }
        }
        let digits = s.chars().take_while(char::is_ascii_digit).count();
        if (1..=3).contains(&digits) {
            let rest = &s[digits..];
            if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
                s = rest.trim_start();
            }
        }
        if s == before {
            return s;
        }
    }
}

const OPENERS: &[char] = &['(', '[', '{', '"', '\'', '“', '‘', '<'];
const TRAILERS: &[char] = &[')', ']', '}', '"', '\'', '”', '’', '.', ',', ';', ':', '!', '?', '>'];

fn clean_token(token: &str) -> String {
    let token: String = token.chars().filter(|&c| c != '`').collect();
    let token = token.replace("**", "");
    let core_start = token.len() - token.trim_start_matches(OPENERS).len();
    let lead = &token[..core_start];
    let rest = &token[core_start..];
    let core_end = rest.trim_end_matches(TRAILERS).len();
    // A URL or path keeps its inner dots; only the punctuation after it is peeled off.
    let trail = &rest[core_end..];
    let core = strip_emphasis_underscores(rest[..core_end].trim_matches('*'));
    let spoken = if let Some(host) = url_host(core) {
        format!("{host} link")
    } else if is_long_path(core) {
        core.trim_end_matches('/').rsplit('/').next().unwrap_or(core).to_string()
    } else {
        core.to_string()
    };
    format!("{lead}{spoken}{trail}")
}

/// `_word_` / `__word__` emphasis, but not `parse_args` or `_private`'s inner underscores.
fn strip_emphasis_underscores(core: &str) -> &str {
    if core.starts_with('_') && core.ends_with('_') && core.len() > 2 {
        core.trim_matches('_')
    } else {
        core
    }
}

fn url_host(s: &str) -> Option<String> {
    let rest = ["https://", "http://", "ftp://"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .or_else(|| s.strip_prefix("www.").map(|_| s))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_string())
}

/// A path worth shortening: two or more separators (`~/src/x`, `src/text/clean.rs`);
/// `and/or` and `src/lib.rs` are left alone, and so is base64 with its slashes (a checksum
/// `h1:…=`, `sha512-…+…`), whose tail alone would read as a key.
fn is_long_path(s: &str) -> bool {
    let base64 = s.contains('+') || s.ends_with('=') || s.split('/').next().is_some_and(|head| head.contains(':'));
    s.matches('/').count() >= 2 && s.chars().any(char::is_alphabetic) && !s.contains("//") && !base64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_markers() {
        assert_eq!(clean("- The `next_token` call is **bold** here."), "The next_token call is bold here.");
        assert_eq!(clean("## Summary"), "Summary");
        assert_eq!(clean("12. Run *all* tests"), "Run all tests");
        assert_eq!(clean("> quoted _text_ and __init__"), "quoted text and init");
        assert_eq!(clean("* item with parse_args and _private"), "item with parse_args and _private");
        assert_eq!(clean("See [the docs](https://docs.rs/x) now."), "See the docs now.");
    }

    #[test]
    fn urls_and_paths() {
        assert_eq!(
            clean("Open https://github.com/foo/bar/pull/12. Then http://www.example.org:8080/x?y."),
            "Open github.com link. Then example.org link."
        );
        assert_eq!(
            clean("Edit /home/me/src/speakja/src/text/clean.rs and src/text/tui.rs, not src/lib.rs."),
            "Edit clean.rs and tui.rs, not src/lib.rs."
        );
        assert_eq!(clean("In ~/src/parser (see ./a/b/)."), "In parser (see b).");
        assert_eq!(clean("and/or 3/4"), "and/or 3/4");
    }

    #[test]
    fn escapes_and_controls() {
        assert_eq!(clean("\u{1b}[38;5;216mred\u{1b}[0m text\u{7}\u{fffd}"), "red text");
        assert_eq!(clean("\u{1b}]0;title\u{7}ok  \t spaced\nline"), "ok spaced line");
        assert_eq!(clean("── ** ` -"), "");
        assert_eq!(clean("日本語の`コード`です。"), "日本語のコードです。");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pool = [
                    '`', '*', '_', '[', ']', '(', ')', '/', '.', ' ', '\u{1b}', '#', '-', '1', 'a', 'é', '日', ':',
                    '\n', '\u{0}',
                ];
                s.push(pool[(seed % pool.len() as u64) as usize]);
            }
            let _ = clean(&s);
            let _ = clean(&String::from_utf8_lossy(&seed.to_le_bytes()));
        }
    }
}
