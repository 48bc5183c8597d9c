//! Worker → main loop. Workers push events into a channel and poke one libuv async
//! handle; its callback (main thread, inside libuv) drains everything pending — sends
//! coalesce — and defers the work to `vim.schedule`, where touching the API is safe.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crossbeam_channel::Receiver;
use nvim_oxi::api::{self, opts::ExecAutocmdsOpts, types::LogLevel};
use nvim_oxi::libuv::AsyncHandle;
use nvim_oxi::Dictionary;

use super::{to_object, ui, STATE};
use crate::session::{Action, Level};
use crate::worker::{Event, Wake};

thread_local! {
    /// The current worker's events and its epoch; replaced by each `setup()`.
    static INBOX: RefCell<Option<(u64, Receiver<Event>)>> = const { RefCell::new(None) };
    /// One async handle for the process: nvim-oxi cannot close a libuv handle, so one made
    /// per `setup()` would stay on the loop for good.
    static WAKE: RefCell<Option<Wake>> = const { RefCell::new(None) };
}

/// A wake function for a worker whose events arrive on `rx`. `epoch` tells this worker's
/// events from those of one replaced by a later `setup()`, whose channel is dropped here.
pub fn wake_handle(rx: Receiver<Event>, epoch: u64) -> Result<Wake, String> {
    INBOX.with(|i| *i.borrow_mut() = Some((epoch, rx)));
    if let Some(wake) = WAKE.with(|w| w.borrow().clone()) {
        return Ok(wake);
    }
    // The callback runs on the main thread, inside libuv: drain, then defer the API work.
    let handle = AsyncHandle::new(|| {
        let pending =
            INBOX.with(|i| i.borrow().as_ref().map(|(epoch, rx)| (*epoch, rx.try_iter().collect::<Vec<_>>())));
        if let Some((epoch, batch)) = pending.filter(|(_, b)| !b.is_empty()) {
            nvim_oxi::schedule(move |_| {
                // A panic must not unwind into Neovim.
                let _ = catch_unwind(AssertUnwindSafe(|| apply(epoch, batch)));
            });
        }
    })
    .map_err(|e| format!("cannot create the event handle: {e}"))?;
    super::made_handle();
    let wake: Wake = Arc::new(move || {
        let _ = handle.send();
    });
    WAKE.with(|w| *w.borrow_mut() = Some(wake.clone()));
    Ok(wake)
}

/// Folds a batch into the session, then acts on the editor once the state is released
/// (autocmd handlers may call back into the plugin).
fn apply(epoch: u64, batch: Vec<Event>) {
    let actions = STATE.with(|s| {
        // Busy: scheduled from inside a plugin call (e.g. a notify handler that calls back
        // in); the batch is handed back to try again on the next tick, not lost.
        let Ok(mut s) = s.try_borrow_mut() else {
            return Err(batch);
        };
        let Some(st) = s.as_mut().filter(|st| st.epoch == epoch) else {
            return Ok(Vec::new());
        };
        Ok(batch.into_iter().flat_map(|ev| st.session.apply(ev)).collect::<Vec<_>>())
    });
    let actions = match actions {
        Ok(actions) => actions,
        Err(batch) => {
            nvim_oxi::schedule(move |_| {
                let _ = catch_unwind(AssertUnwindSafe(|| apply(epoch, batch)));
            });
            return;
        }
    };
    actions.into_iter().for_each(act);
}

fn act(a: Action) {
    match a {
        Action::Notify(Level::Info, msg) => notify(LogLevel::Info, &msg),
        Action::Notify(Level::Warn, msg) => notify(LogLevel::Warn, &msg),
        Action::ShowFloat(id, text) => {
            let _ = ui::show_float(id, &text);
        }
        Action::CloseFloat(id) => ui::close_float(Some(id)),
        Action::RefreshHistory(entries) => ui::refresh_history(&entries.iter().collect::<Vec<_>>()),
        Action::Autocmd(pattern, entry) => {
            let Ok(data) = to_object(&entry) else { return };
            let opts = ExecAutocmdsOpts::builder().patterns(pattern).modeline(false).data(data).build();
            let _ = api::exec_autocmds(["User"], &opts);
        }
    }
}

pub fn notify(level: LogLevel, msg: &str) {
    let _ = api::notify(&format!("speakja: {msg}"), level, &Dictionary::new());
}

pub fn notify_warn(msg: &str) {
    notify(LogLevel::Warn, msg);
}
