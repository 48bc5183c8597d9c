//! Building the jpreprocess dictionary from NAIST-jdic's CSV sources (jpreprocess cannot
//! read MeCab's binary dictionaries, and the built format is bound to its version).

use std::path::Path;

use anyhow::Context;
use jpreprocess_dictionary::dictionary::to_dict::JPreprocessDictionaryBuilder;

/// `src` holds naist-jdic.csv, matrix.def, char.def, unk.def (`mecab-naist-jdic/` of the
/// open-jtalk source); the dictionary is written to `out`.
pub fn build(src: &Path, out: &Path) -> anyhow::Result<()> {
    for f in ["matrix.def", "char.def", "unk.def"] {
        anyhow::ensure!(src.join(f).is_file(), "{} has no {f}: not a mecab-naist-jdic source directory", src.display());
    }
    // The values jpreprocess's own build uses for NAIST-jdic.
    let mut meta = JPreprocessDictionaryBuilder::default_metadata();
    meta.name = "naist-jdic".into();
    meta.encoding = "UTF-8".into();
    meta.default_word_cost = -10000;
    meta.default_left_context_id = 1288;
    meta.default_right_context_id = 1288;
    meta.default_field_value = "*".into();
    JPreprocessDictionaryBuilder::new(meta)
        .build_dictionary(src, out)
        .with_context(|| format!("building the dictionary from {} failed", src.display()))
}
