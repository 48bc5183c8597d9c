//! The code-or-prose scorer (`auto::codeness`) on a table made from every scenario of the
//! fixtures: each line of the code blocks the scripted replies hold (as Claude Code draws
//! them: fences gone, in the prose's column) should score as code, and each sentence a
//! listener should hear as prose. The figures are printed and held to floors.

use speakja::auto::codeness::is_code;

fn texts(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("type").is_some_and(|t| t == "text") {
                if let Some(t) = o.get("text").and_then(|t| t.as_str()) {
                    out.push(t.to_string());
                }
            }
            o.values().for_each(|x| texts(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        _ => {}
    }
}

/// The lines inside fenced code blocks of `markdown` (blank ones and lone brackets aside:
/// a grammar places those by their neighbours).
fn code_lines(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            continue;
        }
        let t = line.trim();
        if inside && t.len() > 2 {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn rows_of_every_scenario_are_told_apart() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude/scenarios");
    let (mut code, mut prose) = (Vec::new(), Vec::new());
    for e in std::fs::read_dir(dir).unwrap() {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        let mut md = Vec::new();
        texts(&v["turns"], &mut md);
        code.extend(md.iter().flat_map(|m| code_lines(m)));
        for s in v["spoken"].as_array().into_iter().flatten().filter_map(|s| s.as_str()) {
            prose.push(s.to_string());
        }
    }
    let missed: Vec<&String> = code.iter().filter(|r| !is_code(r)).collect();
    let false_code: Vec<&String> = prose.iter().filter(|r| is_code(r)).collect();
    let recall = 1.0 - missed.len() as f64 / code.len() as f64;
    let false_rate = false_code.len() as f64 / prose.len() as f64;
    eprintln!(
        "codeness: {} code rows, {} missed (recall {recall:.3}); {} prose rows, {} taken for code ({false_rate:.3})",
        code.len(),
        missed.len(),
        prose.len(),
        false_code.len()
    );
    eprintln!("missed: {missed:#?}\ntaken for code: {false_code:#?}");
    assert!(code.len() >= 30 && prose.len() >= 300, "the table is too small");
    // Row by row the scorer is one piece of evidence: the grammar adds the block around a
    // row (its first row, most rows, its breaks, list items). A bare path spoken as a list
    // item (`src/api/users.py`) is code by its shape alone: that is the rest of the 2%.
    assert!(false_rate <= 0.02, "prose taken for code: {false_code:?}");
    assert!(recall >= 0.75, "code rows missed: {missed:?}");
}
