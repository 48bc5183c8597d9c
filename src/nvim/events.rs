//! Worker → main loop → Lua. Workers push events into a channel and poke one libuv async
//! handle; its callback (main thread, inside libuv) drains a bounded batch and defers the
//! fold to `vim.schedule`. What the fold decides goes to one outbox, delivered to the Lua
//! UI (`require("speakja.ui").dispatch`) on a later tick, outside any borrow of the state,
//! so handlers may call back into the plugin.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crossbeam_channel::Receiver;
use nvim_oxi::libuv::AsyncHandle;

use super::{guard, STATE};
use crate::session::{Action, Level};
use crate::worker::{Event, Wake};

/// Events folded, and actions handed to Lua, per main-loop tick: a burst (a stop with
/// thousands queued) is spread over ticks, and the editor runs between them.
const PER_TICK: usize = 256;

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

/// Actions waiting for the Lua UI, and whether a delivery is scheduled.
#[derive(Default)]
struct Outbox {
    actions: std::collections::VecDeque<Action>,
    scheduled: bool,
}

thread_local! {
    static LINK: RefCell<Link> = RefCell::new(Link::default());
    static OUTBOX: RefCell<Outbox> = RefCell::new(Outbox::default());
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
    // The callback runs on the main thread, inside libuv: drain a batch, defer the work.
    let handle = AsyncHandle::new(|| {
        let pending = LINK.with(|l| {
            let l = l.borrow();
            let rx = l.inbox.as_ref()?;
            let batch: Vec<Event> = rx.try_iter().take(PER_TICK).collect();
            // More waiting: come back for it after this batch (sends coalesce, so ask again).
            let more = !rx.is_empty();
            Some((l.epoch, batch, more.then(|| l.wake.clone()).flatten()))
        });
        if let Some((epoch, batch, more)) = pending {
            if !batch.is_empty() {
                nvim_oxi::schedule(move |_| {
                    // A panic must not unwind into Neovim.
                    let _ = catch_unwind(AssertUnwindSafe(|| apply(epoch, batch)));
                    if let Some(wake) = more {
                        wake();
                    }
                });
            }
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

/// Folds a batch into the session and posts what it decided.
fn apply(epoch: u64, batch: Vec<Event>) {
    let actions = STATE.with(|s| {
        // Busy: scheduled from inside a plugin call; the batch is handed back to try again
        // on the next tick, not lost.
        let Ok(mut s) = s.try_borrow_mut() else {
            return Err(batch);
        };
        let Some(st) = s.as_mut().filter(|st| st.epoch == epoch) else {
            return Ok(Vec::new());
        };
        Ok(batch.into_iter().flat_map(|ev| st.session.apply(ev)).collect::<Vec<_>>())
    });
    match actions {
        Ok(actions) => post(actions),
        Err(batch) => nvim_oxi::schedule(move |_| {
            let _ = catch_unwind(AssertUnwindSafe(|| apply(epoch, batch)));
        }),
    }
}

/// Hand `actions` to the Lua UI on a later tick, in order.
pub fn post(actions: impl IntoIterator<Item = Action>) {
    let schedule = OUTBOX.with(|o| {
        let mut o = o.borrow_mut();
        o.actions.extend(actions);
        let schedule = !o.scheduled && !o.actions.is_empty();
        o.scheduled |= schedule;
        schedule
    });
    if schedule {
        nvim_oxi::schedule(|_| {
            let _ = catch_unwind(AssertUnwindSafe(deliver));
        });
    }
}

/// One tick's share of the outbox to Lua; the rest on the next tick.
fn deliver() {
    let (batch, more) = OUTBOX.with(|o| {
        let mut o = o.borrow_mut();
        let n = o.actions.len().min(PER_TICK);
        let batch: Vec<Action> = o.actions.drain(..n).collect();
        o.scheduled = !o.actions.is_empty();
        (batch, o.scheduled)
    });
    if let Ok(value) = serde_json::to_value(&batch) {
        // A failing handler is Lua's to report; the plugin goes on.
        let _ = guard::call_lua("speakja.ui", "dispatch", &value);
    }
    if more {
        nvim_oxi::schedule(|_| {
            let _ = catch_unwind(AssertUnwindSafe(deliver));
        });
    }
}

pub fn notify_warn(msg: &str) {
    post([Action::notify(Level::Warn, msg.to_owned())]);
}
