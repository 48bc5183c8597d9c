//! Code through translation unharmed: identifiers, paths, URLs, versions, numbers with units
//! and redaction placeholders are swapped for short markers the model copies (`ZX1`,
//! `ZX2`…), and put back afterwards. A model that loses, repeats or invents a marker gets
//! the sentence again without them: a plain translation beats a broken one.

use super::{Kind, Translation, Translator};
use crate::cancel::{EngineError, Interrupt};
use crate::text::redact::{DATA_OMITTED, KEY_OMITTED};

/// Marker prefix: capitals no English word starts with, so the model keeps them as a name.
const MARK: &str = "ZX";

/// A sentence with its code swapped out.
#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    pub text: String,
    pub originals: Vec<String>,
}

/// Swap each code word of `text` for a numbered marker.
pub fn protect(text: &str) -> Protected {
    let mut originals: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Sentence punctuation around a word stays outside the marker.
        let core = word.trim_start_matches(['(', '"', '\'', '「', '“']);
        let core = core.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'', '」', '”']);
        let lead = &word[..word.len() - word.trim_start_matches(['(', '"', '\'', '「', '“']).len()];
        if core.is_empty() || !is_code(core) || core.contains(MARK) {
            out.push_str(word);
            continue;
        }
        let n = match originals.iter().position(|o| o == core) {
            Some(k) => k + 1,
            None => {
                originals.push(core.to_owned());
                originals.len()
            }
        };
        out.push_str(lead);
        out.push_str(&format!("{MARK}{n}"));
        out.push_str(&word[lead.len() + core.len()..]);
    }
    Protected { text: out, originals }
}

/// `translated` with its markers replaced by the originals; `None` unless each marker that
/// went in came out exactly as often as it went in, and no other appeared.
pub fn restore(translated: &str, p: &Protected) -> Option<String> {
    let mut out = String::with_capacity(translated.len());
    let mut seen = Vec::new();
    let mut rest = translated;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let digits = rest[at + MARK.len()..].bytes().take_while(u8::is_ascii_digit).count();
        let n: usize = rest[at + MARK.len()..at + MARK.len() + digits].parse().ok()?;
        out.push_str(p.originals.get(n.checked_sub(1)?)?);
        seen.push(n);
        rest = &rest[at + MARK.len() + digits..];
    }
    out.push_str(rest);
    (counts(seen, p.originals.len()) == counts(markers(&p.text), p.originals.len())).then_some(out)
}

/// The marker numbers in a protected text, in order.
fn markers(text: &str) -> Vec<usize> {
    text.match_indices(MARK)
        .filter_map(|(at, _)| {
            let digits = text[at + MARK.len()..].bytes().take_while(u8::is_ascii_digit).count();
            text[at + MARK.len()..at + MARK.len() + digits].parse().ok()
        })
        .collect()
}

fn counts(ns: Vec<usize>, len: usize) -> Vec<usize> {
    let mut c = vec![0; len + 1];
    for n in ns {
        if let Some(slot) = c.get_mut(n) {
            *slot += 1;
        }
    }
    c
}

/// A word the model would mangle: code, paths, versions, quantities, placeholders.
fn is_code(w: &str) -> bool {
    if w == KEY_OMITTED || w == DATA_OMITTED {
        return true;
    }
    let has = |f: fn(char) -> bool| w.chars().any(f);
    if !has(|c| c.is_ascii_alphanumeric()) || !w.is_ascii() {
        return false;
    }
    let inner_dot = w
        .char_indices()
        .any(|(i, c)| c == '.' && i > 0 && w[i + 1..].chars().next().is_some_and(|n| n.is_ascii_alphanumeric()));
    let camel = w.as_bytes().windows(2).any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase());
    let quantity = w.starts_with(|c: char| c.is_ascii_digit()) && has(|c| c.is_ascii_alphabetic() || c == '%');
    let version = w.len() > 1 && w.starts_with('v') && w[1..].starts_with(|c: char| c.is_ascii_digit());
    w.contains(['_', '/', '\\', '(', '=', '<', '>', '@', '#', '`'])
        || w.contains("::")
        || w.contains("--")
        || inner_dot
        || camel
        || quantity
        || version
}

/// A translator whose input has its code protected (see the module comment).
pub struct Protecting {
    inner: Box<dyn Translator>,
}

impl Protecting {
    pub fn new(inner: Box<dyn Translator>) -> Self {
        Self { inner }
    }
}

impl Translator for Protecting {
    fn kind(&self) -> Kind {
        self.inner.kind()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn translate(&mut self, text: &str, src_lang: &str, tgt_lang: &str) -> Result<Translation, EngineError> {
        let p = protect(text);
        if p.originals.is_empty() {
            return self.inner.translate(text, src_lang, tgt_lang);
        }
        let mut out = self.inner.translate(&p.text, src_lang, tgt_lang)?;
        match restore(&out.text, &p) {
            Some(restored) => {
                out.text = restored;
                Ok(out)
            }
            None => {
                let mut plain = self.inner.translate(text, src_lang, tgt_lang)?;
                plain.model_inputs.splice(0..0, out.model_inputs);
                Ok(plain)
            }
        }
    }

    fn interrupt_with(&mut self, stop: Interrupt) {
        self.inner.interrupt_with(stop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_words_become_markers_and_come_back() {
        let text = "Call json.load on config.yaml (in src/app/main.py), then bump to v2.1 with getUserName.";
        let p = protect(text);
        assert_eq!(p.text, "Call ZX1 on ZX2 (in ZX3), then bump to ZX4 with ZX5.");
        assert_eq!(p.originals, ["json.load", "config.yaml", "src/app/main.py", "v2.1", "getUserName"]);
        assert_eq!(restore(&p.text, &p).as_deref(), Some(text));
        // The same word twice is one marker, twice.
        let p = protect("Set MAX_SIZE, then read MAX_SIZE again; it took 10ms, 50% less.");
        assert_eq!(p.text, "Set ZX1, then read ZX1 again; it took ZX2, ZX3 less.");
        let p = protect(&format!("The key {KEY_OMITTED} was hidden."));
        assert_eq!(p.originals, [KEY_OMITTED]);
    }

    #[test]
    fn plain_prose_is_left_alone() {
        for text in ["The build failed because the tests timed out.", "Use the API, not the CLI.", "Version 3 is out."]
        {
            assert!(protect(text).originals.is_empty(), "{text}");
        }
    }

    /// Translates deterministically, and mangles markers as it is told; counts its calls.
    struct Fake {
        mangle: fn(&str) -> String,
        calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Translator for Fake {
        fn kind(&self) -> Kind {
            Kind::Nllb
        }

        fn translate(&mut self, text: &str, _: &str, _: &str) -> Result<Translation, EngineError> {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Translation::new((self.mangle)(&format!("訳: {text}")), Kind::Nllb))
        }
    }

    /// The translation of `text` through `Protecting`, and how many times the model ran.
    fn run(mangle: fn(&str) -> String, text: &str) -> (String, usize) {
        let calls = std::sync::Arc::default();
        let mut t = Protecting::new(Box::new(Fake { mangle, calls: std::sync::Arc::clone(&calls) }));
        let out = t.translate(text, "eng_Latn", "jpn_Jpan").unwrap().text;
        (out, calls.load(std::sync::atomic::Ordering::SeqCst))
    }

    #[test]
    fn lost_repeated_or_invented_markers_fall_back_to_the_plain_sentence() {
        let text = "Open config.yaml and call json.load.";
        let (out, calls) = run(|s| s.to_owned(), text);
        assert_eq!(out, "訳: Open config.yaml and call json.load.");
        assert_eq!(calls, 1, "kept markers need one translation");
        // Reordered markers are fine: each original goes where its marker went.
        let (out, _) = run(|s| s.replace("ZX1 and call ZX2", "ZX2 and call ZX1"), text);
        assert_eq!(out, "訳: Open json.load and call config.yaml.");
        for mangle in [
            (|s: &str| s.replace("ZX2", "")) as fn(&str) -> String,
            |s: &str| s.replace("ZX1", "ZX1 ZX1"),
            |s: &str| s.replace("ZX2", "ZX3"),
            |s: &str| s.replace("ZX1", "ZX"),
        ] {
            let (out, calls) = run(mangle, text);
            assert_eq!(calls, 2, "no fallback for {out:?}");
            assert!(!out.contains("ZX"), "a marker reached the voice: {out:?}");
        }
    }
}
