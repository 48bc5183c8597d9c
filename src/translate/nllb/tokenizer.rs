//! NLLB tokenization through the `tokenizers` crate, reading HF's `tokenizer.json`.

use std::path::Path;

use anyhow::{anyhow, Context};

pub struct NllbTokenizer {
    inner: tokenizers::Tokenizer,
    eos: u32,
}

impl NllbTokenizer {
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let inner = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| anyhow!("cannot load tokenizer {}: {e}", path.display()))?;
        let eos = inner.token_to_id("</s>").with_context(|| format!("{} has no `</s>` token", path.display()))?;
        Ok(Self { inner, eos })
    }

    /// Tokens in the vocabulary, special ones included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Every piece and special token with its id.
    pub fn vocab(&self) -> std::collections::HashMap<String, u32> {
        self.inner.get_vocab(true)
    }

    /// The id of a token such as `<unk>`, if the vocabulary has it.
    pub fn id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Id of a language code such as `jpn_Jpan`.
    pub fn lang_id(&self, code: &str) -> anyhow::Result<u32> {
        self.inner.token_to_id(code).ok_or_else(|| anyhow!("unknown language code `{code}`"))
    }

    /// Subword ids without any special tokens.
    pub fn pieces(&self, text: &str) -> anyhow::Result<Vec<u32>> {
        let enc = self.inner.encode(text, false).map_err(|e| anyhow!("cannot tokenize: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The source sequence `[src_lang] pieces </s>` (HF's non-legacy NLLB layout). Built
    /// here rather than by the post-processor, which hard-codes `eng_Latn`.
    pub fn source(&self, pieces: &[u32], src_lang: u32) -> Vec<u32> {
        let mut ids = Vec::with_capacity(pieces.len() + 2);
        ids.push(src_lang);
        ids.extend_from_slice(pieces);
        ids.push(self.eos);
        ids
    }

    pub fn decode(&self, ids: &[u32]) -> anyhow::Result<String> {
        self.inner.decode(ids, true).map_err(|e| anyhow!("cannot decode ids: {e}"))
    }
}
