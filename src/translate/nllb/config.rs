//! `config.json` of an HF `M2M100ForConditionalGeneration` checkpoint (NLLB-200 uses it).

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The fields the port reads; everything else in `config.json` is ignored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Config {
    pub vocab_size: usize,
    pub d_model: usize,
    pub encoder_layers: usize,
    pub decoder_layers: usize,
    pub encoder_attention_heads: usize,
    pub decoder_attention_heads: usize,
    pub encoder_ffn_dim: usize,
    pub decoder_ffn_dim: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "yes")]
    pub scale_embedding: bool,
    #[serde(default = "relu")]
    pub activation_function: String,
    #[serde(default = "one")]
    pub pad_token_id: u32,
    #[serde(default)]
    pub bos_token_id: u32,
    #[serde(default = "two")]
    pub eos_token_id: u32,
    #[serde(default = "two")]
    pub decoder_start_token_id: u32,
    /// Forced at the last allowed position when set (HF `ForcedEOSTokenLogitsProcessor`).
    #[serde(default)]
    pub forced_eos_token_id: Option<u32>,
    /// `lm_head` is `shared` unless this is false.
    #[serde(default = "yes")]
    pub tie_word_embeddings: bool,
}

fn yes() -> bool {
    true
}
fn relu() -> String {
    "relu".into()
}
fn one() -> u32 {
    1
}
fn two() -> u32 {
    2
}

impl Config {
    /// The shape of `facebook/nllb-200-distilled-600M`, for benchmarks without a download.
    pub fn nllb_600m() -> Self {
        Self {
            vocab_size: 256206,
            d_model: 1024,
            encoder_layers: 12,
            decoder_layers: 12,
            encoder_attention_heads: 16,
            decoder_attention_heads: 16,
            encoder_ffn_dim: 4096,
            decoder_ffn_dim: 4096,
            max_position_embeddings: 1024,
            scale_embedding: true,
            activation_function: "relu".into(),
            pad_token_id: 1,
            bos_token_id: 0,
            eos_token_id: 2,
            decoder_start_token_id: 2,
            forced_eos_token_id: None,
            tie_word_embeddings: true,
        }
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let cfg: Self =
            serde_json::from_str(&text).with_context(|| format!("{} is not an M2M100 config", path.display()))?;
        cfg.check().with_context(|| format!("unsupported model in {}", path.display()))?;
        Ok(cfg)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.activation_function == "relu", "activation `{}` (only relu)", self.activation_function);
        // Bounds far beyond any NLLB (600M: 256,206 × 1024, 12 + 12 layers, 1024 positions), so
        // a damaged config is an error, never a position table or embedding of absurd size.
        for (value, name, lo, hi) in [
            (self.vocab_size, "vocab_size", 4, 1 << 21),
            (self.d_model, "d_model", 4, 1 << 14),
            (self.encoder_layers, "encoder_layers", 1, 128),
            (self.decoder_layers, "decoder_layers", 1, 128),
            (self.encoder_ffn_dim, "encoder_ffn_dim", 1, 1 << 16),
            (self.decoder_ffn_dim, "decoder_ffn_dim", 1, 1 << 16),
            (self.max_position_embeddings, "max_position_embeddings", 4, 1 << 16),
        ] {
            anyhow::ensure!((lo..=hi).contains(&value), "{name} = {value} is outside {lo}..={hi}");
        }
        for (heads, what) in [(self.encoder_attention_heads, "encoder"), (self.decoder_attention_heads, "decoder")] {
            anyhow::ensure!(
                heads > 0 && self.d_model.is_multiple_of(heads),
                "d_model {} is not divisible by {heads} {what} heads",
                self.d_model
            );
        }
        anyhow::ensure!(
            self.d_model.is_multiple_of(2) && self.d_model >= 4,
            "d_model {} must be even and ≥ 4",
            self.d_model
        );
        let special = [self.pad_token_id, self.bos_token_id, self.eos_token_id, self.decoder_start_token_id];
        for id in special.into_iter().chain(self.forced_eos_token_id) {
            anyhow::ensure!((id as usize) < self.vocab_size, "special token id {id} ≥ vocab_size {}", self.vocab_size);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nllb_config_and_rejects_other_activations() {
        let json = r#"{"vocab_size": 256206, "d_model": 1024, "encoder_layers": 12, "decoder_layers": 12,
            "encoder_attention_heads": 16, "decoder_attention_heads": 16, "encoder_ffn_dim": 4096,
            "decoder_ffn_dim": 4096, "max_position_embeddings": 1024, "model_type": "m2m_100"}"#;
        let cfg: Config = serde_json::from_str(json).unwrap();
        assert_eq!(cfg, Config::nllb_600m());
        let gelu = Config { activation_function: "gelu".into(), ..cfg };
        assert!(gelu.check().unwrap_err().to_string().contains("gelu"));
        let bad_eos = Config { eos_token_id: 300000, ..Config::nllb_600m() };
        assert!(bad_eos.check().unwrap_err().to_string().contains("300000"));
        for bad in [
            Config { max_position_embeddings: 1, ..Config::nllb_600m() },
            Config { max_position_embeddings: usize::MAX, ..Config::nllb_600m() },
            Config { vocab_size: 1 << 40, ..Config::nllb_600m() },
            Config { decoder_layers: 0, ..Config::nllb_600m() },
        ] {
            let e = bad.check().unwrap_err().to_string();
            assert!(e.contains("is outside"), "{e}");
        }
    }
}
