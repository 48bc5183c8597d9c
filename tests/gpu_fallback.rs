//! A GPU that fails to open or to warm up leaves the translator on the CPU, with the reason
//! where health and `status()` show it (issue #24). No GPU here: the failure is injected
//! (`SPEAKJA_FAULT`), and everything after it runs for real. One test, so the variable
//! is never seen by another.

use std::path::Path;

use speakja::config::{Config, TranslatorEngine};
use speakja::engines;

#[test]
fn a_failing_gpu_falls_back_to_the_cpu_and_says_why() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nllb/trained");
    let mut cfg = Config::default();
    cfg.cache.enabled = false;
    cfg.translator.engine = TranslatorEngine::Nllb;
    cfg.translator.model = Some(model);
    let plain = engines::translator(&cfg, &|| false).unwrap().translate("the cat sees a dog .", "eng_Latn", "jpn_Jpan");
    let plain = plain.unwrap().text;
    for step in ["gpu-open", "gpu-warmup"] {
        // SAFETY: this binary's only test; nothing else reads the environment meanwhile.
        unsafe { std::env::set_var("SPEAKJA_FAULT", step) };
        let mut t = engines::translator(&cfg, &|| false).unwrap_or_else(|e| panic!("{step}: no fallback: {e:#}"));
        let told = t.describe();
        assert!(told.contains(&format!("failed at {step}")) && told.contains("on the CPU instead"), "{step}: {told}");
        assert!(told.contains("Q8_0") || told.contains("8-bit"), "{step}: {told}");
        let out = t.translate("the cat sees a dog .", "eng_Latn", "jpn_Jpan").unwrap();
        assert_eq!(out.text, plain, "{step}: the CPU translates as usual");
    }
    unsafe { std::env::remove_var("SPEAKJA_FAULT") };
}
