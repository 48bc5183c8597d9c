//! Is this row code? Claude Code draws code blocks without fences, in the prose's column,
//! so a row's own evidence decides: weighed, not one rule. Positive scores are code.
//!
//! Evidence of code: punctuation that ends or opens a statement (`;`, `{`, `}`), a keyword or
//! a shell command at the start, an assignment or call at the start, `$VAR` and `$(…)`,
//! pipes and redirections, one token with code punctuation (`.venv/`, `foo.bar()`), a high
//! share of symbols. Evidence of prose: several plain words ending in sentence punctuation,
//! which inline code inside a sentence does not outweigh. Rows are scored alone; the grammar
//! adds the context (list numbering, the rows around it).

/// A row this sure is code.
pub const CODE: i32 = 3;

/// Words that start statements in common languages.
const KEYWORDS: &[&str] = &[
    "let",
    "fn",
    "def",
    "const",
    "import",
    "from",
    "return",
    "pub",
    "use",
    "class",
    "impl",
    "struct",
    "func",
    "var",
    "if",
    "for",
    "while",
    "#include",
    "package",
    "async",
    "await",
    "export",
    "elif",
    "else:",
    "try:",
    "except",
    "raise",
    "print",
    "echo",
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "FROM",
    "RUN",
    "COPY",
    "WORKDIR",
    "CMD",
    "ENV",
    "ENTRYPOINT",
];

/// Commands a shell line starts with.
const COMMANDS: &[&str] = &[
    "tar",
    "cd",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "curl",
    "wget",
    "grep",
    "sed",
    "awk",
    "chmod",
    "chown",
    "ln",
    "git",
    "npm",
    "npx",
    "pip",
    "pip3",
    "cargo",
    "docker",
    "make",
    "python",
    "python3",
    "node",
    "kubectl",
    "ls",
    "cat",
    "sudo",
    "apt",
    "apt-get",
    "brew",
    "go",
    "ssh",
    "scp",
    "rsync",
    "find",
    "xargs",
    "source",
    "set",
    "unset",
    "gzip",
    "zip",
    "unzip",
    "touch",
    "psql",
    "mysql",
    "uv",
    "pytest",
    "ruff",
    "yarn",
    "pnpm",
    "systemctl",
    "journalctl",
];

/// How much `row` (without its indentation) looks like code.
pub fn score(row: &str) -> i32 {
    let t = row.trim();
    if t.is_empty() {
        return 0;
    }
    // `-    op.add_column(…)`, `+import os`: a diff's row is the code after its sign. A
    // bullet has one space after its `-`.
    let diff_body = t.strip_prefix(['-', '+']).filter(|r| {
        r.starts_with("  ") || (t.starts_with('+') && r.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    });
    if let Some(body) = diff_body {
        return score_row(body.trim()).max(0) + 1;
    }
    score_row(t)
}

/// [`score`] for a row that is no diff's.
fn score_row(t: &str) -> i32 {
    if t.is_empty() {
        return 0;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let first = words[0];
    // `def mean(xs):`, `for row in rows:`: a block opener, not a lead-in.
    let opener = KEYWORDS.contains(&first) && t.ends_with(':') && (t.contains('(') || words.len() <= 4);
    let ends_sentence = ends_sentence(t) && !opener;
    let mut score = if opener { 5 } else { 0 };
    if t.ends_with([';', '{', '}']) || t.starts_with(['}', '@']) || t.starts_with("//") || t.starts_with("$ ") {
        score += 4;
    }
    // A comment in lower case (`# how many keys?`), whatever its words: a heading drawn
    // with its `#` starts with a capital.
    if t.strip_prefix("# ").is_some_and(|c| c.starts_with(|ch: char| ch.is_ascii_lowercase())) {
        return CODE + 1;
    }
    // `#!/bin/sh`, `#include`.
    if t.starts_with('#') && (!t.starts_with("# ") || t.contains('(')) {
        score += 4;
    }
    if KEYWORDS.contains(&first) && words.len() > 1 {
        score += if ends_sentence { 1 } else { 4 };
    }
    if COMMANDS.contains(&first) && words.len() > 1 && !ends_sentence && shell_args(&words[1..]) {
        score += 3;
    }
    if assignment_or_call(t) && !ends_sentence {
        score += 3;
    }
    if t.contains("$(") || t.contains("${") || has_shell_var(t) {
        score += 2;
    }
    if [" | ", " && ", " || ", " > ", " >> ", "2>&1", " < "].iter().any(|op| t.contains(op)) {
        score += 1;
    }
    // `0 2 * * * /opt/bin/export >> export.log 2>&1`: a crontab line.
    if cron_schedule(&words) {
        score += 4;
    }
    if traceback_row(t, &words) {
        score += 5;
    }
    if words.len() == 1 && !ends_sentence && one_token_code(t) {
        score += 4;
    }
    if t.contains('"') && t.contains('=') && t.contains('(') {
        score += 1;
    }
    // `uvicorn app:app --reload --port 8000`: flags after a lower-case command word.
    // A flag inside a long row is a sentence naming one (`e.g. --format json`).
    let flags = words.iter().filter(|w| is_flag(w)).count();
    if flags > 0 && words.len() > 8 {
        score += 1;
    } else if flags > 0 {
        score += if flags > 1 { 3 } else { 2 };
        let command =
            first.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if !ends_sentence && command {
            score += 1;
        }
    }
    if yaml_pair(t) {
        // A camelCase key is an identifier, not a lead-in word (`startupProbe:`).
        let camel = t.split(':').next().is_some_and(|k| k.bytes().any(|b| b.is_ascii_uppercase()));
        score += if camel { 4 } else { 3 };
    }
    // `[Timer]`, `[tool.ruff]`: an INI or TOML section.
    if t.starts_with('[') && t.ends_with(']') && words.len() == 1 && t.len() > 2 {
        score += 4;
    }
    if make_rule(t) {
        score += 4;
    }
    // `.PHONY: build lint test`: a special target of a Makefile.
    if first.starts_with('.') && first.ends_with(':') && first[1..].starts_with(|c: char| c.is_ascii_uppercase()) {
        score += 4;
    }
    let symbols = t.chars().filter(|c| "{}[]()<>=;&|\\$".contains(*c)).count();
    let nonspace = t.chars().filter(|c| !c.is_whitespace()).count();
    if symbols >= 3 && symbols * 8 >= nonspace {
        score += 3;
    }
    score - prose(&words, ends_sentence)
}

/// Whether `row` is code.
pub fn is_code(row: &str) -> bool {
    score(row) >= CODE
}

/// Evidence of a sentence: plain words, and sentence punctuation at the end.
fn prose(words: &[&str], ends_sentence: bool) -> i32 {
    let plain = words
        .iter()
        .filter(|w| {
            let w = w.trim_matches(|c: char| matches!(c, ',' | '.' | ':' | ';' | '!' | '?' | '(' | ')' | '"' | '\''));
            w.len() > 1 && w.chars().all(char::is_alphabetic)
        })
        .count();
    let many = words.len() >= 4 && plain * 5 >= words.len() * 3;
    match (ends_sentence, many) {
        (true, true) => 5,
        // A long run of plain words is a wrapped sentence, whatever word it starts with
        // (`except Exception also retries a KeyError or a TypeError, i.e. bugs that`).
        (false, true) if words.len() >= 8 => 3,
        (false, true) => 1,
        (true, false) => 1,
        (false, false) => 0,
    }
}

fn ends_sentence(t: &str) -> bool {
    let t = t.trim_end_matches(['"', '\'', ')', ']', '”', '’', '*', '`']);
    // `ruff check .` and `jq .` end on a path, not a full stop.
    t.ends_with(['.', '!', '?', ':', '。', '！', '？']) && !t.ends_with("..") && !t.ends_with(" .") && t != "."
}

/// `-m`, `--release`, `-sS`: a command-line flag.
fn is_flag(w: &str) -> bool {
    let body = w.strip_prefix("--").or_else(|| w.strip_prefix('-'));
    body.is_some_and(|b| {
        b.starts_with(|c: char| c.is_ascii_alphabetic()) && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// `timeout: 30`, `jobs:`: a YAML key (lower case) with one value or none.
fn yaml_pair(t: &str) -> bool {
    let Some((key, value)) = t.split_once(':') else { return false };
    // Lower case, or one camelCase word (`startupProbe:`, `failureThreshold: 30`).
    let camel = !key.contains(' ') && key.chars().all(|c| c.is_ascii_alphanumeric());
    let key_ok = !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c == '_' || c == '-')
        && (camel
            || key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.' | ' ')))
        && !key.contains("  ")
        && key.split_whitespace().count() <= 2
        && key.trim_start_matches("- ").split_whitespace().count() == 1;
    let value = value.trim();
    key_ok
        && (value.is_empty() || (!value.contains(' ') && !value.ends_with('.')) || value.starts_with(['"', '[', '{']))
}

/// `main.o util.o: gen/version.h`, `%.o: %.c`: a Makefile rule, files on both sides.
fn make_rule(t: &str) -> bool {
    let Some((targets, prerequisites)) = t.split_once(": ") else { return false };
    let file = |w: &str| {
        w.contains('/')
            || w.contains("$(")
            || w.contains('%')
            || w.split_once('.').is_some_and(|(stem, ext)| {
                !stem.is_empty() && ext.len() <= 4 && !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_alphanumeric())
            })
    };
    let (left, right): (Vec<&str>, Vec<&str>) =
        (targets.split_whitespace().collect(), prerequisites.split_whitespace().collect());
    !left.is_empty()
        && !right.is_empty()
        && left.iter().all(|w| file(w))
        && right.iter().all(|w| file(w))
        && !ends_sentence(t)
}

/// Flags, paths, files, quotes or variables after a command word: `tar czf out.tgz dist/`.
fn shell_args(rest: &[&str]) -> bool {
    rest.iter().any(|w| {
        w.starts_with('-')
            || w.contains(['/', '.', '$', '"', '\'', '=', '*', '~'])
            || w.chars().all(|c| c.is_ascii_digit())
    })
}

/// `total = sum(x)`, `STAMP=$(date)`, `pd.read_csv(path)`: an assignment or a call at the start.
fn assignment_or_call(t: &str) -> bool {
    let ident =
        t.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '\''))).unwrap_or(t.len());
    if ident == 0 {
        return false;
    }
    let after = &t[ident..];
    let assign = ["= ", "+= ", "-= ", ":= "].iter().any(|op| after.trim_start().starts_with(op))
        && after.starts_with(' ')
        || (after.starts_with('=')
            && !after.starts_with("==")
            && (t[..ident].chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                // `OnCalendar=*-*- 03:15:00`, `Persistent=true`: an INI or unit file's key.
                || (ident >= 2 && t[..ident].chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))));
    // A call is code when the row ends like one too (`slugify() はタイトルを` goes on as prose).
    let call = after.starts_with('(')
        && t.starts_with(|c: char| c.is_ascii_lowercase())
        && t.ends_with([')', ':', ',', '(', '[', '{', ';']);
    assign || call
}

/// A traceback's frame (`File "app.py", line 7, in totals`) or its exception
/// (`KeyError: 'region'`, `java.lang.IllegalStateException: closed`).
fn traceback_row(t: &str, words: &[&str]) -> bool {
    let frame = t.starts_with("File \"") && t.contains("\", line ");
    let name = words[0].strip_suffix(':').unwrap_or("");
    let class = name.rsplit('.').next().unwrap_or("");
    let exception = ["Error", "Exception", "Warning"].iter().any(|e| class.len() > e.len() && class.ends_with(e))
        && class.starts_with(|c: char| c.is_ascii_uppercase())
        && class.bytes().all(|b| b.is_ascii_alphanumeric())
        && words.len() <= 8;
    frame || exception
}

/// Five schedule fields first (`*/5`, `0`, `1-5`; names only for the month and the weekday,
/// `mon-fri`), a command after: a crontab line. At least one field is `*`-based, which a
/// sentence starting with numbers does not have.
fn cron_schedule(words: &[&str]) -> bool {
    let numeric = |w: &str| w.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '/' | ',' | '-'));
    let named = |w: &str| w.chars().all(|c| c.is_ascii_lowercase() || matches!(c, ',' | '-'));
    words.len() > 5
        && words[..3].iter().all(|w| numeric(w))
        && words[3..5].iter().all(|w| numeric(w) || named(w))
        && words[..5].iter().any(|w| w.starts_with('*'))
}

fn has_shell_var(t: &str) -> bool {
    t.match_indices('$').any(|(i, _)| t[i + 1..].starts_with(|c: char| c.is_ascii_uppercase() || c == '_'))
}

/// One token that is a file, path, call or expression: `.venv/`, `__pycache__/`, `a::b`.
fn one_token_code(t: &str) -> bool {
    let dotfile = t.starts_with('.') && t.len() > 1 && t[1..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
    dotfile || t.contains(['(', ':', '_', '=', '/'])
}

#[cfg(test)]
mod tests {
    use super::{is_code, score};

    /// Rows as releases draw them (1.0.128, 2.0.77, 2.1.100, 2.1.332 recordings): code, then prose.
    const CODE_ROWS: &[&str] = &[
        "FROM python:3.12-slim",
        "WORKDIR /app",
        "COPY . /app",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "result = json.loads(open(\"data.json\").read())",
        "print(\"hello, world\")",
        "STAMP=$(date +%Y%m%d)",
        "tar czf backup-$STAMP.tgz src/",
        "echo \"done: $STAMP\"",
        "export PATH=\"$HOME/.local/bin:$PATH\"",
        ".venv/",
        "__pycache__/",
        ".mypy_cache/",
        "node_modules/",
        ".env",
        "def mean(xs):",
        "    return sum(xs) / len(xs)",
        "import csv",
        "import pandas as pd",
        "for row in csv.DictReader(f):",
        "total += float(row[\"amount\"])",
        "fn main() {",
        "}",
        "let x = compute(a, b);",
        "SELECT id, name FROM users WHERE active = 1;",
        "git commit -m \"fix: retry\"",
        "cargo test --release",
        "curl -sS https://example.com/api | jq .",
        "awk -F, '{ s += $2 } END { print s }' data.csv",
        "timeout: 30",
        "config = {\"retries\": 3, \"timeout\": 30}",
        "kubectl get pods -n prod",
        ".PHONY: build lint test docs",
        "uvicorn ledger.app:app --reload --port 8000",
        "python3 -m venv .venv && . .venv/bin/activate",
        "0 2 * * * /opt/app/bin/export --since yesterday >> export.log 2>&1",
        "*/15 9-17 * * mon-fri cd /srv/app && ./sync.sh",
        "main.o util.o: gen/version.h",
        "%.o: %.c include/config.h",
        "startupProbe:",
        "failureThreshold: 30",
        "-    op.add_column(\"accounts\", sa.Column(\"email\", sa.String(320), nullable=False))",
        "+    op.alter_column(\"accounts\", \"email\", nullable=False)",
        "+import os",
        "File \"report.py\", line 7, in totals",
        "KeyError: 'region'",
        "java.lang.IllegalStateException: connection pool closed",
        "[Timer]",
        "OnCalendar=*-*- 03:15:00",
        "Persistent=true",
        "[tool.ruff]",
        "# how many session keys, and does one of them have a TTL?",
    ];

    const PROSE_ROWS: &[&str] = &[
        "The base image is pulled and the working directory is set.",
        "COPY . /app copies everything, including .git and local virtualenvs.",
        "RUN pip install runs after the copy, so any source change busts the layer cache.",
        "It falls back to 30 seconds when config[\"timeout\"] is missing, which hides typos in the key.",
        "Read it row by row with the csv module.",
        "If you'd rather stay in the shell, awk can do the same sum:",
        "One caveat: awk -F, doesn't understand quoted fields, so a value like \"1,200.50\" will break it.",
        "The value converges to 1.00499999... after ten iterations, which is close enough.",
        "Edit lib.rs and parse_args.py first.",
        "fetch() retries now.",
        "pip install runs after the copy, so a change busts the cache.",
        "Done.",
        "slugify() はタイトルを URL",
        "正規表現 [^a-z0-9]+ は日本語をすべて削除します。",
        "Should I add the lock?",
        "Here is what happens, step by step:",
        "The lines worth changing:",
        "cd into the folder and run the tests again.",
        "Use the Python version when your data has quotes.",
        "git rebase rewrites history, so only do it on your own branch.",
        "Both are short.",
        "except Exception also retries a KeyError or a TypeError, i.e. bugs that will fail the same",
        "settings.py defines parse_args and load_settings. Flags override the file, e.g. --format",
        "The export now takes about seventy minutes, and the interval is one hour.",
        "0 * * * * means the top of every hour, so it runs at 1:00, 2:00 and so on.",
        "config.yaml: the settings file, read at start.",
        "Note: main.py and util.py both import it.",
        "Fix:",
        "- Use the request's context and put a timeout on it.",
        "+ one more thing: the cache is cold.",
        "KeyError names the missing key, not the dict it was missing from.",
        "TypeError is raised when the types do not match, which is what happens when you pass a string.",
        "Set Persistent=true so a missed run happens at the next boot.",
        "[1] The spec, section 4.",
        "# Setup",
    ];

    #[test]
    fn code_and_prose_rows_of_every_release_are_told_apart() {
        let missed: Vec<(&str, i32)> = CODE_ROWS.iter().filter(|r| !is_code(r)).map(|r| (*r, score(r))).collect();
        let false_code: Vec<(&str, i32)> = PROSE_ROWS.iter().filter(|r| is_code(r)).map(|r| (*r, score(r))).collect();
        assert!(missed.is_empty(), "code read as prose: {missed:?}");
        assert!(false_code.is_empty(), "prose taken for code: {false_code:?}");
    }
}
