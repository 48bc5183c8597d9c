//! speakja: English on screen → spoken Japanese, in Neovim.
//!
//! Everything but `nvim/` is plain Rust, usable and testable without Neovim; the CLI in
//! `src/bin/speakja.rs` drives the same core.

pub mod audio;
pub mod auto;
pub mod cache;
pub mod cancel;
pub mod config;
pub mod engines;
pub mod history;
mod nvim;
mod private;
pub mod session;
pub mod text;
pub mod translate;
pub mod tts;
pub mod worker;

/// Every `setup()` starts fresh worker threads that load the voice (tens of MB). glibc keeps
/// what an exited thread freed in that thread's arena, so restarts would pile up memory
/// (+1.2 GB after 50 here); mimalloc hands an exited thread's pages back. Its thread-locals
/// are dynamic (`local_dynamic_tls`): the library is loaded by `dlopen`, after static TLS is
/// laid out.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Entry point of `require("speakja_native")`.
#[nvim_oxi::plugin]
fn speakja_native() -> nvim_oxi::Dictionary {
    nvim::module()
}
