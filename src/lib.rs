//! speakja: English on screen → spoken Japanese, in Neovim.
//!
//! Everything but `nvim/` is plain Rust, usable and testable without Neovim; the CLI in
//! `src/bin/speakja.rs` drives the same core.

pub mod audio;
pub mod cache;
pub mod config;
pub mod history;
mod nvim;
pub mod text;
pub mod translate;
pub mod tts;
pub mod worker;

/// Entry point of `require("speakja_native")`.
#[nvim_oxi::plugin]
fn speakja_native() -> nvim_oxi::Dictionary {
    nvim::module()
}
