//! Code-aware speech end to end (issue #13): what the voice is given, and how long it talks.

use std::path::Path;

use speakja::config::{Config, TranslatorEngine};
use speakja::engines;
use speakja::text::readings::Readings;
use speakja::translate::{self, protect, Translator};
use speakja::tts::{OpenJtalk, Reach, Tts};

fn voice() -> OpenJtalk {
    let m = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/voice");
    assert!(m.join("naist-jdic").is_dir(), "no voice in {} (run scripts/fetch-voice)", m.display());
    OpenJtalk::load(&m.join("naist-jdic"), &m.join("mei_normal.htsvoice"), 1.0, 1.0).unwrap()
}

#[test]
fn english_without_a_model_is_read_word_by_word_in_less_than_half_the_time() {
    let mut v = voice();
    let readings = Readings::default();
    for text in
        ["Run cargo test and check the json output.", "The parser now reads config.yaml before it calls getUserName."]
    {
        let spoken = readings.spoken(text);
        assert!(!spoken.chars().any(|c| c.is_ascii_alphabetic()), "letters left for the voice to spell: {spoken}");
        let letters = v.synthesize(text, Reach::Offline).unwrap().audio.duration().as_secs_f64();
        let words = v.synthesize(&spoken, Reach::Offline).unwrap().audio.duration().as_secs_f64();
        println!("{text:?}: spelled {letters:.1} s, read {words:.1} s as {spoken:?}");
        assert!(words < 0.5 * letters, "{words:.1} s read vs {letters:.1} s spelled");
    }
}

#[test]
fn the_none_translator_keeps_code_spans_and_nllb_is_given_markers_but_never_lets_one_through() {
    let text = "Call json.load on config.yaml, then bump to v2.1.";
    let mut cfg = Config::default();
    cfg.cache.enabled = false;
    cfg.translator.engine = TranslatorEngine::None;
    let mut none = engines::translator(&cfg, &|| false).unwrap();
    let passed = none.translate(text, "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(passed.text, text);
    assert!(passed.model_inputs.is_empty(), "no model ran");
    // The toy model maps every piece to another and copies nothing, markers included: it
    // is given the protected sentence, then the plain one, and no marker reaches the voice.
    cfg.translator.engine = TranslatorEngine::Nllb;
    cfg.translator.model = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nllb/trained"));
    let mut nllb = engines::translator(&cfg, &|| false).unwrap();
    let out = nllb.translate(text, "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(out.model_inputs, [protect::protect(text).text, text.to_owned()]);
    assert!(out.model_inputs[0].contains("ZX1"), "{:?}", out.model_inputs);
    assert!(!out.text.contains("ZX"), "{}", out.text);
    let mut plain = translate::nllb::NllbTranslator::load(
        cfg.translator.model.as_ref().unwrap(),
        &translate::NllbOptions::from_config(&cfg.translator),
    )
    .unwrap();
    assert_eq!(out.text, plain.translate(text, "eng_Latn", "jpn_Jpan").unwrap().text);
}
