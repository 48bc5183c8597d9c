//! Pure text logic: sentence segmentation, language detection, cleanup, the TUI filter.

/// Split text into sentences to speak, one at a time.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        cur.push(if ch == '\n' { ' ' } else { ch });
        if matches!(ch, '.' | '!' | '?' | '。' | '！' | '？') {
            push_trimmed(&mut out, &cur);
            cur.clear();
        }
    }
    push_trimmed(&mut out, &cur);
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if !t.is_empty() {
        out.push(t);
    }
}

/// True when the text is mostly Japanese script, so it must not be translated.
pub fn is_japanese(text: &str) -> bool {
    let (mut ja, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff66}'..='\u{ff9f}' => ja += 1,
            c if c.is_ascii_alphabetic() => latin += 1,
            _ => {}
        }
    }
    ja > 0 && ja >= latin
}
