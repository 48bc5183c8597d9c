//! Auto-speak: what a followed Claude Code terminal says, each sentence once.
//!
//! ```text
//! on_lines ─▶ screen (a mirror of the rows, any program)
//!               ─▶ claude_code (the release-dependent grammar: which rows are prose)
//!               ─▶ follow (lines the screen up with what was heard: each sentence once)
//!                                                          │ sentences, when
//! session file ─▶ discover (which file) ─▶ transcript (tail, assistant text only)
//!               ─▶ markdown (sentences) ─▶ reconcile ◀──────┘
//!                                             │ what to speak
//!                                             ▼
//!                                      nvim::terminal ─▶ the worker
//! ```
//! Nothing here touches Neovim or a device: `nvim/terminal.rs` feeds it lines, files and a clock.

pub mod claude_code;
pub mod codeness;
pub mod discover;
pub mod follow;
pub mod markdown;
pub mod policy;
pub mod reconcile;
pub mod recording;
pub mod screen;
pub mod transcript;
pub mod watch;

/// A sentence as compared: letters and digits only, lowercased. Wraps, glyphs, markers and
/// spacing differ between the screen and the file, and between one drawing and the next.
pub fn key(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
