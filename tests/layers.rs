//! The tree's layers import downward only (issue #23): a module may use those listed
//! before it, never one after. A new module must be placed in `LAYERS` to build.

use std::path::Path;

/// Bottom first. `engines` is the one place that assembles translators and voices.
const LAYERS: &[&str] = &[
    "cancel",
    "private",
    "config",
    "text",
    "cache",
    "audio",
    "translate",
    "tts",
    "engines",
    "worker",
    "history",
    "session",
    "auto",
    "nvim",
];

fn rank(module: &str) -> usize {
    LAYERS.iter().position(|m| *m == module).unwrap_or_else(|| panic!("module `{module}` has no layer in LAYERS"))
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut seen = 0;
    for f in all {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "bin" || top == "lib" {
            continue;
        }
        // Code only: a test's string may name a path.
        let text: String = std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with('"') && !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (at, _) in text.match_indices("crate::") {
            let used: String = text[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // `crate::{a, b}`: each name in the braces.
            let names: Vec<String> = if used.is_empty() && text[at + 7..].starts_with('{') {
                let inner = &text[at + 8..at + 8 + text[at + 8..].find('}').unwrap()];
                inner.split(',').map(|n| n.trim().split("::").next().unwrap().to_string()).collect()
            } else {
                vec![used]
            };
            for used in names.into_iter().filter(|n| !n.is_empty() && *n != top) {
                seen += 1;
                if rank(&used) > rank(&top) {
                    wrong.push(format!("{}: {top} uses {used}", rel.display()));
                }
            }
        }
    }
    assert!(seen > 50, "only {seen} imports found: is the scan reading src/?");
    assert!(wrong.is_empty(), "imports upward:\n{}", wrong.join("\n"));
}
