//! How long work is told to stop: the bottom layer, so that engines, loaders and sinks can
//! all be interrupted without knowing about each other or about the worker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Asked while a long job runs (a decoding, a request, a model load): true means the user
/// stopped, abandon it.
pub type Interrupt = Arc<dyn Fn() -> bool + Send + Sync>;

/// Playback is cancelled when the shared generation moves past the one it started in
/// (stop), or when the skip target names this utterance (skip).
#[derive(Clone)]
pub struct Cancel {
    generation: Arc<AtomicU64>,
    mine: u64,
    skip: Arc<AtomicU64>,
    id: u64,
}

impl Cancel {
    pub fn new(generation: Arc<AtomicU64>, mine: u64, skip: Arc<AtomicU64>, id: u64) -> Self {
        Self { generation, mine, skip, id }
    }

    pub fn is_cancelled(&self) -> bool {
        self.generation.load(Ordering::Acquire) != self.mine || self.skip.load(Ordering::Acquire) == self.id
    }
}
