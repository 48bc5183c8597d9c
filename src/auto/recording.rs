//! `:SpeakJaAuto record`: what a followed terminal showed, written as an asciicast a user can
//! attach to a bug report (and that becomes a test fixture).
//!
//! Neovim gives plugins a terminal's lines, not its byte stream, so the cast is made from
//! the lines: each change redraws the visible rows, and rows that scrolled into the
//! scrollback are first drawn on top and scrolled off, so a terminal replaying the cast
//! keeps the same scrollback. Colours are not in the lines and not in the cast. Every line
//! is redacted and the home directory becomes `~` before it is written; the file is private
//! (0600, created new, never through a link). Writing happens on a thread of its own.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};

/// Buffer lines kept to know what is visible (older ones only count).
const MAX_LINES: usize = 5000;
/// Changes waiting for the writer, at most: past it a change is dropped (and said so in the cast).
const QUEUE: usize = 4096;

/// Turns buffer changes into asciicast output events.
pub struct Caster {
    lines: Vec<String>,
    /// Lines forgotten above `lines`.
    dropped: usize,
    height: usize,
    /// Scrollback lines (buffer lines above the visible rows) already drawn and scrolled off.
    scrolled: usize,
    home: Option<String>,
}

impl Caster {
    pub fn new(height: usize, home: Option<String>) -> Self {
        Self { lines: Vec::new(), dropped: 0, height: height.max(1), scrolled: 0, home: home.filter(|h| h.len() > 1) }
    }

    fn private(&self, line: &str) -> String {
        let line = crate::text::redact::redact(line);
        match &self.home {
            Some(h) => line.replace(h.as_str(), "~"),
            None => line.into_owned(),
        }
    }

    /// The output that shows the buffer after lines `[first, last_old)` became `new`.
    pub fn change(&mut self, first: usize, last_old: usize, new: Vec<String>) -> String {
        let new: Vec<String> = new.iter().map(|l| self.private(l)).collect();
        let total = self.dropped + self.lines.len();
        let first = first.min(total).saturating_sub(self.dropped);
        let last = last_old.min(total).saturating_sub(self.dropped).max(first);
        self.lines.splice(first..last, new);
        if self.lines.len() > MAX_LINES {
            let k = self.lines.len() - MAX_LINES;
            self.lines.drain(..k);
            self.dropped += k;
        }
        let total = self.dropped + self.lines.len();
        let top = total.saturating_sub(self.height);
        let mut out = String::new();
        // New scrollback: drawn on the top rows, then scrolled off, a screenful at a time.
        if top < self.scrolled {
            // The scrollback shrank (cleared): the replay's is cleared too.
            out.push_str("\x1b[3J");
            self.scrolled = top;
        }
        while self.scrolled < top {
            let n = (top - self.scrolled).min(self.height);
            out.push_str("\x1b[H\x1b[2J");
            for i in 0..n {
                let line = self.scrolled + i;
                if line >= self.dropped {
                    out.push_str(&self.lines[line - self.dropped]);
                }
                if i + 1 < n {
                    out.push_str("\r\n");
                }
            }
            out.push_str(&format!("\x1b[{};1H", self.height));
            out.push_str(&"\n".repeat(n));
            self.scrolled += n;
        }
        out.push_str("\x1b[H");
        for row in 0..self.height {
            let line = top + row;
            out.push_str(&format!("\x1b[{};1H\x1b[2K", row + 1));
            if line >= self.dropped && line < total {
                out.push_str(&self.lines[line - self.dropped]);
            }
        }
        out
    }
}

/// A recording in progress. Dropping it finishes the file.
pub struct Recorder {
    tx: Sender<(f64, usize, usize, Vec<String>)>,
    start: Instant,
}

impl Recorder {
    /// Starts writing `path` (it must not exist yet) for a terminal of `width` × `height`.
    pub fn start(path: &Path, width: usize, height: usize, home: Option<String>) -> std::io::Result<Self> {
        let file = create_private(path)?;
        let (tx, rx) = bounded::<(f64, usize, usize, Vec<String>)>(QUEUE);
        let mut out = BufWriter::new(file);
        let header = serde_json::json!({"version": 2, "width": width, "height": height, "title": "speakja: a followed terminal, from its lines"});
        writeln!(out, "{header}")?;
        std::thread::Builder::new().name("speakja-record".into()).spawn(move || {
            let mut caster = Caster::new(height, home);
            for (t, first, last, lines) in rx {
                let data = caster.change(first, last, lines);
                if writeln!(out, "{}", serde_json::json!([t, "o", data])).is_err() {
                    return;
                }
            }
            let _ = out.flush();
        })?;
        Ok(Self { tx, start: Instant::now() })
    }

    pub fn change(&self, first: usize, last_old: usize, lines: &[String]) {
        let t = (self.start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        let _ = self.tx.try_send((t, first, last_old, lines.to_vec()));
    }
}

/// A new file only this user can read, never through a link.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a terminal shows after the output: visible rows and scrollback.
    fn replay(height: u16, data: &[String]) -> (Vec<String>, usize) {
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut p = vt100::Parser::new(nz(height), nz(40), 1000);
        for d in data {
            p.process(d.as_bytes());
        }
        let rows = p.screen().contents().lines().map(str::to_owned).collect();
        (rows, p.screen().scrollback_len())
    }

    #[test]
    fn a_replay_shows_the_same_rows_and_scrollback_redacted() {
        let mut c = Caster::new(3, Some("/home/ann".into()));
        let mut out = vec![c.change(0, 1, vec!["a".into(), "b".into(), "".into()])];
        // Output scrolls two lines into the scrollback.
        out.push(c.change(2, 3, vec!["c".into(), "d".into(), "cd /home/ann/src".into()]));
        let (rows, sb) = replay(3, &out);
        assert_eq!(rows, ["c", "d", "cd ~/src"]);
        assert_eq!(sb, 2);
        out.push(c.change(4, 5, vec!["export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789".into()]));
        let text = out.concat();
        assert!(!text.contains("abcdefghijklmnop"), "{text}");
        assert!(!text.contains("/home/ann"));
    }

    #[test]
    fn the_file_is_new_and_private() {
        let dir = std::env::temp_dir().join(format!("speakja-rec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.cast");
        {
            let r = Recorder::start(&path, 40, 3, None).unwrap();
            r.change(0, 1, &["hello".into()]);
        }
        assert!(Recorder::start(&path, 40, 3, None).is_err(), "never overwrites");
        std::thread::sleep(std::time::Duration::from_millis(200));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.lines().count() == 2 && text.contains("hello"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
