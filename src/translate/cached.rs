//! A translator behind the disk cache: a sentence translated before is a file read.

use super::{Kind, Translation, Translator};
use crate::cache::DiskCache;
use crate::cancel::{EngineError, Interrupt};

/// `key` names everything besides the text that shapes the output (engine, options, the
/// model files' sizes and times: see `translate::identity`).
pub struct Cached {
    inner: Box<dyn Translator>,
    cache: DiskCache,
    key: String,
}

impl Cached {
    pub fn new(inner: Box<dyn Translator>, cache: DiskCache, key: String) -> Self {
        Self { inner, cache, key }
    }
}

impl Translator for Cached {
    fn kind(&self) -> Kind {
        self.inner.kind()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn translate(&mut self, text: &str, src_lang: &str, tgt_lang: &str) -> Result<Translation, EngineError> {
        let engine = self.inner.kind();
        let inner = &mut self.inner;
        // Only the text is stored: a hit says nothing of what the model was given.
        let (mut out, hit) = self.cache.lookup(
            &[&self.key, "translate", src_lang, tgt_lang, text],
            |b| String::from_utf8(b).ok().map(|text| Translation::new(text, engine)),
            |t: &Translation| t.text.as_bytes().to_vec(),
            || Ok(inner.translate(text, src_lang, tgt_lang)?),
        )?;
        out.cached = hit;
        Ok(out)
    }

    fn interrupt_with(&mut self, stop: Interrupt) {
        self.inner.interrupt_with(stop);
    }
}
