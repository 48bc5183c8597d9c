//! Fixture access shared by the screen-filter tests.

use std::path::{Path, PathBuf};

/// Files with extension `ext` in `tests/fixtures/<dir>`, sorted.
pub fn fixtures(dir: &str, ext: &str) -> Vec<PathBuf> {
    fixtures_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir), ext)
}

/// Files with extension `ext` in `dir`, sorted.
pub fn fixtures_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// The sentences to hear for cast `name`, and how many prompts where the cast says.
#[allow(dead_code)] // not every test binary reads casts by name
pub fn expected(name: &str) -> (Vec<String>, Option<usize>) {
    read_expected(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/casts/{name}.expected.json")))
}

/// The same for the cast at `cast`, from `NAME.expected.json` beside it.
#[allow(dead_code)] // not every test binary reads casts by path
pub fn expected_next_to(cast: &Path) -> (Vec<String>, Option<usize>) {
    read_expected(&cast.with_file_name(format!("{}.expected.json", name(cast))))
}

/// What is heard when the session file is read too: `spoken_with_transcript` where the file
/// says more than the screen draws (a link's text), else `spoken`. An entry may list the
/// forms it can be heard in (the screen's, when it is first, or the file's).
#[allow(dead_code)] // not every test binary reads casts by path
pub fn expected_with_transcript(cast: &Path) -> (Vec<Vec<String>>, Option<usize>) {
    let path = cast.with_file_name(format!("{}.expected.json", name(cast)));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let list = v["spoken_with_transcript"].as_array().or_else(|| v["spoken"].as_array()).unwrap();
    let forms = |s: &serde_json::Value| match s.as_array() {
        Some(a) => a.iter().map(|f| f.as_str().unwrap().to_string()).collect(),
        None => vec![s.as_str().unwrap().to_string()],
    };
    (list.iter().map(forms).collect(), v["prompts"].as_u64().map(|n| n as usize))
}

fn read_expected(path: &Path) -> (Vec<String>, Option<usize>) {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let spoken = v["spoken"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    (spoken, v["prompts"].as_u64().map(|n| n as usize))
}

/// A fixture's name: its file name without extension.
pub fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}
