//! The stacks `engines` assembles, driven the way the worker drives them: what the model is
//! given, and what comes back (issue #22: code kept out of the translator for real).

use std::sync::{Arc, Mutex};

use speakja::cancel::EngineError;
use speakja::config::Config;
use speakja::engines;
use speakja::translate::{Kind, Translation, Translator};

/// A model that records what it is given and "translates" by tagging it, markers kept.
struct Recording(Arc<Mutex<Vec<String>>>);

impl Translator for Recording {
    fn kind(&self) -> Kind {
        Kind::Nllb
    }

    fn translate(&mut self, text: &str, _: &str, _: &str) -> Result<Translation, EngineError> {
        self.0.lock().unwrap().push(text.to_owned());
        let mut t = Translation::new(format!("訳「{text}」"), Kind::Nllb);
        t.model_inputs = vec![text.to_owned()];
        Ok(t)
    }
}

fn stack(cache_dir: Option<&std::path::Path>) -> (Box<dyn Translator>, Arc<Mutex<Vec<String>>>) {
    let mut cfg = Config::default();
    match cache_dir {
        Some(d) => cfg.cache.dir = Some(d.to_path_buf()),
        None => cfg.cache.enabled = false,
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    (engines::translation_stack(&cfg, Box::new(Recording(seen.clone()))), seen)
}

#[test]
fn the_model_sees_markers_where_the_code_was_and_the_listener_gets_the_code_back() {
    let (mut t, seen) = stack(None);
    let code = ["json.load", "config.yaml", "src/app/main.py", "v2.1.3", "getUserName", "MAX_SIZE"];
    let text =
        "Call json.load on config.yaml in src/app/main.py, bump to v2.1.3, then rename getUserName and MAX_SIZE.";
    let out = t.translate(text, "eng_Latn", "jpn_Jpan").unwrap();
    let given = seen.lock().unwrap().clone();
    assert_eq!(given.len(), 1, "{given:?}");
    for c in code {
        assert!(!given[0].contains(c), "{c} reached the model: {:?}", given[0]);
        assert!(out.text.contains(c), "{c} lost on the way back: {}", out.text);
    }
    assert!(given[0].contains("ZX1") && given[0].contains("ZX6"), "{:?}", given[0]);
    assert_eq!(out.model_inputs, given, "model_inputs is what the model was given");
    // Prose passes as it is.
    t.translate("The build failed because the tests timed out.", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(seen.lock().unwrap()[1], "The build failed because the tests timed out.");
}

#[test]
fn the_cache_sits_outside_protection_and_keys_the_sentence_as_it_came() {
    let dir = std::env::temp_dir().join(format!("speakja-assembly-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut t, seen) = stack(Some(&dir));
    let text = "Open config.yaml now.";
    let first = t.translate(text, "eng_Latn", "jpn_Jpan").unwrap();
    let again = t.translate(text, "eng_Latn", "jpn_Jpan").unwrap();
    assert!(!first.cached && again.cached);
    assert_eq!(first.text, again.text);
    assert_eq!(seen.lock().unwrap().len(), 1, "a hit never reaches the model");
    assert!(again.model_inputs.is_empty(), "no model ran for a hit");
    std::fs::remove_dir_all(&dir).unwrap();
}
