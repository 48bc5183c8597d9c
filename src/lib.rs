//! speakja: English on screen → spoken Japanese, in Neovim.
//!
//! Everything but `nvim/` is plain Rust, usable and testable without Neovim; the CLI in
//! `src/bin/speakja.rs` drives the same core.

pub mod config;
pub mod text;
pub mod translate;
