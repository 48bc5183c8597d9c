//! Claude Code's session file (`<config>/projects/<folder>/<session>.jsonl`): tailed as it
//! grows, and read for one thing only, the main thread's assistant text.
//!
//! The file also holds tool output, file contents and (2.1.x) the whole system prompt: only
//! `assistant` entries that are not a subagent's and whose block is `text` are kept; every
//! other line is dropped unread beyond its type. Lines are taken whole, from a kept offset;
//! a file truncated or replaced under the tail is read again from its start; a line over
//! [`MAX_LINE`] is skipped (with a note), so memory stays bounded whatever the file holds.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Longest line kept (bytes). An assistant text block is far shorter; a tool result with a
/// whole file in it may be longer, and is not needed.
pub const MAX_LINE: usize = 2 << 20;
/// Most bytes read in one call, so one call stays short whatever was appended.
const MAX_READ: usize = 4 << 20;

/// What one transcript line says, for speech.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A text block of the main thread's reply.
    Text {
        /// The API message it belongs to (one message is written as one entry per block).
        message: String,
        /// Raw markdown, as the model wrote it.
        markdown: String,
        /// Written after Escape: what was drawn of a cut reply (2.1.x). Confirms, never speaks.
        aborted: bool,
    },
    /// A prompt the user typed.
    Prompt(String),
    /// The text a tool call of the reply carries (a file written, an edit, a command): what
    /// the screen may show of it is never speech.
    ToolInput(Vec<String>),
    /// Anything else: tool use and results, thinking, subagents, bookkeeping.
    Other,
}

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "isSidechain", default)]
    sidechain: bool,
    #[serde(rename = "isMeta", default)]
    meta: bool,
    #[serde(rename = "isAbortedMidStream", default)]
    aborted: bool,
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    model: Option<String>,
    stop_reason: Option<String>,
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Blocks(Vec<Block>),
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    input: Option<serde_json::Value>,
}

/// Most text taken from one tool call's input (bytes).
const MAX_TOOL_TEXT: usize = 64 << 10;

/// The string values of a tool's input, depth-first, to a bound.
fn strings(v: &serde_json::Value, depth: usize, out: &mut Vec<String>, budget: &mut usize) {
    match v {
        serde_json::Value::String(s) if s.len() <= *budget => {
            *budget -= s.len();
            out.push(s.clone());
        }
        serde_json::Value::Array(a) if depth < 4 => a.iter().for_each(|x| strings(x, depth + 1, out, budget)),
        serde_json::Value::Object(o) if depth < 4 => o.values().for_each(|x| strings(x, depth + 1, out, budget)),
        _ => {}
    }
}

/// Why a line was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    TooLong(usize),
    NotJson,
}

/// Reads one line. Unknown types and fields are `Other`.
pub fn parse(line: &[u8]) -> Result<Entry, Skipped> {
    if line.len() > MAX_LINE {
        return Err(Skipped::TooLong(line.len()));
    }
    let l: Line = serde_json::from_slice(line).map_err(|_| Skipped::NotJson)?;
    let Some(msg) = l.message else { return Ok(Entry::Other) };
    match l.kind.as_deref() {
        Some("assistant") if !l.sidechain => {
            let synthetic = msg.model.as_deref() == Some("<synthetic>");
            // 2.1.100 writes a cut reply as a synthetic `stop_sequence` message; other synthetic
            // messages (1.0.x's resume filler) were never drawn.
            let cut = synthetic && msg.stop_reason.as_deref() == Some("stop_sequence");
            if synthetic && !cut {
                return Ok(Entry::Other);
            }
            let Some(Content::Blocks(blocks)) = msg.content else { return Ok(Entry::Other) };
            let (mut tool, mut budget) = (Vec::new(), MAX_TOOL_TEXT);
            for b in blocks.iter().filter(|b| b.kind.as_deref() == Some("tool_use")) {
                if let Some(input) = &b.input {
                    strings(input, 0, &mut tool, &mut budget);
                }
            }
            let text: Vec<String> =
                blocks.into_iter().filter(|b| b.kind.as_deref() == Some("text")).filter_map(|b| b.text).collect();
            if text.is_empty() {
                return Ok(if tool.is_empty() { Entry::Other } else { Entry::ToolInput(tool) });
            }
            Ok(Entry::Text {
                message: msg.id.unwrap_or_default(),
                markdown: text.join("\n\n"),
                aborted: l.aborted || cut,
            })
        }
        Some("user") if !l.sidechain && !l.meta => Ok(match msg.content {
            Some(Content::Text(t)) if !t.starts_with('<') => Entry::Prompt(t),
            Some(Content::Blocks(b)) => {
                // A typed prompt is a text block; tool results and the interrupt note are not prompts.
                let text: Vec<String> = b
                    .into_iter()
                    .filter(|b| b.kind.as_deref() == Some("text"))
                    .filter_map(|b| b.text)
                    .filter(|t| !t.starts_with('<') && !t.starts_with("[Request interrupted"))
                    .collect();
                if text.is_empty() {
                    Entry::Other
                } else {
                    Entry::Prompt(text.join("\n"))
                }
            }
            _ => Entry::Other,
        }),
        _ => Ok(Entry::Other),
    }
}

/// Follows one file as it grows: whole lines, from a kept offset.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    /// The start of a line not yet ended.
    partial: Vec<u8>,
    /// Inside a line longer than `MAX_LINE`: its rest is dropped up to its newline.
    skipping: bool,
    /// Which file is followed (device, inode), to notice one replaced under the tail.
    identity: Option<(u64, u64)>,
}

/// What a read brought.
#[derive(Debug, Default)]
pub struct Lines {
    pub lines: Vec<Vec<u8>>,
    /// The file was truncated or replaced: reading started again from its start.
    pub restarted: bool,
    /// Lines dropped for their length.
    pub too_long: usize,
}

impl Tail {
    pub fn new(path: PathBuf) -> Self {
        Self { path, offset: 0, partial: Vec::new(), skipping: false, identity: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole lines appended since the last call (a missing file reads as nothing).
    pub fn read(&mut self) -> std::io::Result<Lines> {
        let mut out = Lines::default();
        let mut file = match open_regular(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let identity = file_identity(&meta);
        if self.identity.is_some_and(|id| Some(id) != identity) || meta.len() < self.offset {
            self.offset = 0;
            self.partial.clear();
            self.skipping = false;
            out.restarted = true;
        }
        self.identity = identity;
        if meta.len() == self.offset {
            return Ok(out);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        file.take(MAX_READ as u64).read_to_end(&mut buf)?;
        self.offset += buf.len() as u64;
        for piece in buf.split_inclusive(|&b| b == b'\n') {
            let ended = piece.ends_with(b"\n");
            let body = if ended { &piece[..piece.len() - 1] } else { piece };
            if self.skipping {
                self.skipping = !ended;
                continue;
            }
            if self.partial.len() + body.len() > MAX_LINE {
                out.too_long += 1;
                self.partial.clear();
                self.skipping = !ended;
                continue;
            }
            self.partial.extend_from_slice(body);
            if ended {
                out.lines.push(std::mem::take(&mut self.partial));
            }
        }
        Ok(out)
    }
}

/// Opens `path` for reading only if it is a regular file (a FIFO planted there would block).
fn open_regular(path: &Path) -> std::io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    File::open(path)
}

#[cfg(unix)]
fn file_identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn assistant(id: &str, text: &str) -> String {
        serde_json::json!({"type": "assistant", "isSidechain": false, "message":
            {"id": id, "model": "m", "content": [{"type": "text", "text": text}]}})
        .to_string()
    }

    #[test]
    fn only_main_thread_assistant_text_and_prompts_are_read() {
        let text = parse(assistant("m1", "Hello there.").as_bytes()).unwrap();
        assert_eq!(text, Entry::Text { message: "m1".into(), markdown: "Hello there.".into(), aborted: false });
        let side =
            r#"{"type":"assistant","isSidechain":true,"message":{"id":"x","content":[{"type":"text","text":"sub"}]}}"#;
        let think = r#"{"type":"assistant","message":{"id":"x","content":[{"type":"thinking","thinking":"hm"}]}}"#;
        let tool = r##"{"type":"assistant","message":{"id":"x","content":[{"type":"tool_use","name":"Write","input":{"file_path":"a.md","content":"# Notes\nShip it."}}]}}"##;
        assert_eq!(parse(tool.as_bytes()), Ok(Entry::ToolInput(vec!["# Notes\nShip it.".into(), "a.md".into()])));
        let filler = r#"{"type":"assistant","message":{"id":"x","model":"<synthetic>","content":[{"type":"text","text":"No response requested."}]}}"#;
        let result = r#"{"type":"user","message":{"content":[{"type":"tool_result","content":"secret file"}]}}"#;
        let meta = r#"{"type":"user","isMeta":true,"message":{"content":"<command-name>x"}}"#;
        let unknown = r#"{"type":"atis-latch","whatever":[1,2]}"#;
        for l in [side, think, filler, result, meta, unknown] {
            assert_eq!(parse(l.as_bytes()), Ok(Entry::Other), "{l}");
        }
        let cut = r#"{"type":"assistant","message":{"id":"c","model":"<synthetic>","stop_reason":"stop_sequence","content":[{"type":"text","text":"Half"}]}}"#;
        assert!(matches!(parse(cut.as_bytes()), Ok(Entry::Text { aborted: true, .. })));
        let prompt = r#"{"type":"user","message":{"role":"user","content":"What is it?"}}"#;
        assert_eq!(parse(prompt.as_bytes()), Ok(Entry::Prompt("What is it?".into())));
        assert_eq!(parse(b"{not json"), Err(Skipped::NotJson));
        assert_eq!(parse(&vec![b' '; MAX_LINE + 1]), Err(Skipped::TooLong(MAX_LINE + 1)));
    }

    #[test]
    fn tails_whole_lines_survives_truncation_and_skips_huge_lines() {
        let dir = std::env::temp_dir().join(format!("speakja-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.jsonl");
        let mut tail = Tail::new(path.clone());
        assert!(tail.read().unwrap().lines.is_empty(), "a missing file is nothing yet");
        let mut f = File::create(&path).unwrap();
        write!(f, "one\ntw").unwrap();
        assert_eq!(tail.read().unwrap().lines, [b"one".to_vec()]);
        writeln!(f, "o").unwrap();
        assert_eq!(tail.read().unwrap().lines, [b"two".to_vec()]);
        // A line of 10 MB is dropped whole, and what follows it is read.
        f.write_all(&vec![b'x'; 10 << 20]).unwrap();
        write!(f, "\nthree\n").unwrap();
        let mut got = Vec::new();
        let mut too_long = 0;
        for _ in 0..5 {
            let l = tail.read().unwrap();
            too_long += l.too_long;
            got.extend(l.lines);
        }
        assert_eq!((got, too_long), (vec![b"three".to_vec()], 1));
        assert!(tail.partial.capacity() <= MAX_LINE * 2);
        // Truncated under the tail: read again from the start.
        let mut f = File::create(&path).unwrap();
        writeln!(f, "new").unwrap();
        let l = tail.read().unwrap();
        assert!(l.restarted);
        assert_eq!(l.lines, [b"new".to_vec()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fifo_is_not_read() {
        let dir = std::env::temp_dir().join(format!("speakja-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.jsonl");
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: `c` is a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(Tail::new(path).read().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
