//! Auto-speak's policy, apart from the plumbing that applies it: which terminals are
//! followed (the program their job runs), and how far behind speech may fall before the
//! oldest unspoken sentences of a terminal are dropped.

/// Speech estimate for a sentence not yet synthesized, per byte of source text.
const EST_MS_PER_BYTE: f64 = 60.0;

/// How long `source_bytes` of English will take to say, before the voice has said it.
pub fn estimate_ms(source_bytes: usize) -> f64 {
    source_bytes as f64 * EST_MS_PER_BYTE
}

/// Of a terminal's sentences still waiting (`(id, ms of speech)`, oldest first), those to
/// drop so that they and an incoming `incoming_ms` fit within `limit_ms`: the oldest first.
pub fn to_drop(waiting: impl Iterator<Item = (u64, f64)>, incoming_ms: f64, limit_ms: f64) -> Vec<u64> {
    let waiting: Vec<(u64, f64)> = waiting.collect();
    let mut backlog: f64 = waiting.iter().map(|(_, ms)| ms).sum::<f64>() + incoming_ms;
    let mut drop = Vec::new();
    for (id, ms) in waiting {
        if backlog <= limit_ms {
            break;
        }
        backlog -= ms;
        drop.push(id);
    }
    drop
}

/// Programs that run another one named later on their command line.
const WRAPPERS: &[&str] = &[
    "env",
    "npx",
    "bunx",
    "pnpx",
    "pnpm",
    "yarn",
    "node",
    "bun",
    "deno",
    "python",
    "python3",
    "nice",
    "caffeinate",
    "exec",
    "command",
    "time",
];
/// Shells whose `-c` script names the program.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "fish", "dash"];

/// Does the job run one of `names`? A name matches the program itself or `name-*`
/// (`claude-code`); words further on (`vim notes-about-claude.md`) never count.
pub fn runs_program(argv: &[String], names: &[String]) -> bool {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    let Some(program) = program_of(&words, 0) else { return false };
    let named = |part: &str| {
        let part = part.strip_suffix(".exe").unwrap_or(part);
        names.iter().any(|n| part == n || part.strip_prefix(n.as_str()).is_some_and(|r| r.starts_with('-')))
    };
    if let Some(package) = program.strip_prefix('@') {
        // `@anthropic-ai/claude-code@latest`: the package's own name.
        let name = package.rsplit('/').next().unwrap_or(package);
        return named(name.split('@').next().unwrap_or(name));
    }
    if program.ends_with(".js") || program.ends_with(".mjs") {
        // `node …/claude-code/cli.js`: a script is named by its package directory.
        return program.split('/').any(named);
    }
    // A script is named by its file name less the extension (`replay_cast.py`).
    let base = program.rsplit('/').next().unwrap_or(&program);
    named(base.strip_suffix(".py").unwrap_or(base))
}

/// The word naming the program a command line runs, seen through wrappers
/// (`env X=1 claude`, `npx -y pkg`, `node script.js`) and shells (`sh -c "claude …"`).
fn program_of(argv: &[&str], depth: usize) -> Option<String> {
    let (first, rest) = argv.split_first()?;
    let base = first.rsplit('/').next().unwrap_or(first);
    if depth > 4 {
        return None;
    }
    if SHELLS.contains(&base) {
        let c = rest.iter().position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))?;
        let script = rest[c + 1..].join(" ");
        return program_of(&script.split_whitespace().collect::<Vec<_>>(), depth + 1);
    }
    if WRAPPERS.contains(&base) {
        let i = rest.iter().position(|w| !(w.starts_with('-') || w.contains('=')))?;
        return program_of(&rest[i..], depth + 1);
    }
    Some((*first).to_owned())
}

/// The command of a terminal buffer named `term://{cwd}//{pid}:{command}`.
pub fn terminal_command(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("term://")?;
    // The cwd may hold "//" or ':'; the pid is the first all-digit run between "//" and ':'.
    let mut from = 0;
    while let Some(i) = rest[from..].find("//") {
        let tail = &rest[from + i + 2..];
        if let Some((pid, command)) = tail.split_once(':') {
            if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) {
                return Some(command);
            }
        }
        from += i + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(cmd: &str) -> bool {
        let argv: Vec<String> = cmd.split(' ').map(str::to_owned).collect();
        runs_program(&argv, &["claude".to_owned()])
    }

    #[test]
    fn attaches_by_program_name_not_by_substring() {
        for yes in [
            "claude",
            "/home/me/.local/bin/claude --resume",
            "claude-code",
            "env ANTHROPIC_LOG=debug claude",
            "npx @anthropic-ai/claude-code",
            "npx -y @anthropic-ai/claude-code@latest",
            "node /usr/lib/node_modules/@anthropic-ai/claude-code/cli.js",
            "bun /opt/claude-code/cli.js --verbose",
            "/bin/zsh -lc claude",
            "sh -c claude --resume",
            "python3 tests/claude.py",
        ] {
            assert!(runs(yes), "{yes}");
        }
        for no in [
            "vim notes-about-claude.md",
            "less /tmp/claude.log",
            "bash",
            "grep -r claude .",
            "python3 claude_tool.py",
            "claudette",
            "npx prettier claude.js",
            "",
        ] {
            assert!(!runs(no), "{no}");
        }
    }

    #[test]
    fn the_oldest_unspoken_go_first_until_the_backlog_fits() {
        let waiting = [(1, 4000.0), (2, 3000.0), (3, 2000.0)];
        assert_eq!(to_drop(waiting.into_iter(), 1000.0, 10_000.0), Vec::<u64>::new());
        assert_eq!(to_drop(waiting.into_iter(), 4000.0, 10_000.0), [1]);
        assert_eq!(to_drop(waiting.into_iter(), 9000.0, 10_000.0), [1, 2, 3]);
        assert_eq!(estimate_ms(10), 600.0);
    }

    #[test]
    fn command_of_terminal_names() {
        assert_eq!(terminal_command("term://~/src//1234:claude"), Some("claude"));
        assert_eq!(
            terminal_command("term:///tmp/a//b//77:python3 x.py --url http://h"),
            Some("python3 x.py --url http://h")
        );
        assert_eq!(terminal_command("term://C:/w//9:cmd /c claude"), Some("cmd /c claude"));
        assert_eq!(terminal_command("/home/x/file.txt"), None);
    }
}
