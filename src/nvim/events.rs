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

/// The worker → main loop link, owned here: one async handle for the process (nvim-oxi
/// cannot close a libuv handle, so one made per `setup()` would stay on the loop for good)
/// and the current worker's events, replaced by each `setup()`.
#[derive(Default)]
struct Link {
    /// Which `setup()` the events are from; events of an older one are ignored.
    epoch: u64,
    inbox: Option<Receiver<Event>>,
    wake: Option<Wake>,
}

thread_local! {
    static LINK: RefCell<Link> = RefCell::new(Link::default());
}

/// A wake function for a new worker whose events arrive on `rx`, with the epoch that tells
/// its events from those of the worker it replaces (whose channel is dropped here).
pub fn connect(rx: Receiver<Event>) -> Result<(Wake, u64), String> {
    let (epoch, wake) = LINK.with(|l| {
        let mut l = l.borrow_mut();
        l.epoch += 1;
        l.inbox = Some(rx);
        (l.epoch, l.wake.clone())
    });
    if let Some(wake) = wake {
        return Ok((wake, epoch));
    }
    // The callback runs on the main thread, inside libuv: drain, then defer the API work.
    let handle = AsyncHandle::new(|| {
        let pending = LINK.with(|l| {
            let l = l.borrow();
            l.inbox.as_ref().map(|rx| (l.epoch, rx.try_iter().collect::<Vec<_>>()))
        });
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
    LINK.with(|l| l.borrow_mut().wake = Some(wake.clone()));
    Ok((wake, epoch))
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
