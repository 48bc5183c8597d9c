//! The FFI boundary. nvim-oxi 0.6 aborts Neovim when a function returns `Err` or panics
//! (its trampolines are `extern "C"`), so every function we hand to Lua goes through
//! here: panics are caught, errors become `{ ok = false, err = "..." }` values that the
//! Lua side turns into messages.

use std::panic::{catch_unwind, AssertUnwindSafe};

use nvim_oxi::{Dictionary, Function, Object};

pub type Reply = Result<Object, String>;

/// A Lua argument any value converts to. What an `Object` cannot hold (userdata such as
/// `vim.NIL`, threads) arrives as nil: nvim-oxi would otherwise raise the conversion error
/// as a Lua error from Rust, which aborts Neovim. A table is never converted: every function
/// here takes a string (options cross as JSON), and nvim-oxi converts a table by recursion,
/// so one nested deep enough overflows the stack before any guard could refuse it.
struct AnyArg(Object);

impl nvim_oxi::lua::Poppable for AnyArg {
    unsafe fn pop(lstate: *mut nvim_oxi::lua::ffi::State) -> Result<Self, nvim_oxi::lua::Error> {
        use nvim_oxi::lua::ffi::{lua_gettop, lua_pop, lua_type, LUA_TTABLE};
        // SAFETY: called by nvim-oxi's trampoline with the arguments on `lstate`'s stack;
        // a table is popped unread, and a failed pop leaves at most stack slots that Lua
        // discards with the call frame.
        unsafe {
            if lua_gettop(lstate) > 0 && lua_type(lstate, -1) == LUA_TTABLE {
                lua_pop(lstate, 1);
                return Ok(Self(Object::from(nvim_oxi::Dictionary::new())));
            }
            Ok(Self(<Object as nvim_oxi::lua::Poppable>::pop(lstate).unwrap_or_default()))
        }
    }
}

/// Wrap `f` so that calling it from Lua can never take Neovim down.
pub fn function<F>(f: F) -> Object
where
    F: Fn(Object) -> Reply + 'static,
{
    Object::from(Function::<AnyArg, Object>::from_fn(move |AnyArg(arg)| {
        let reply = catch_unwind(AssertUnwindSafe(|| f(arg)))
            .unwrap_or_else(|p| Err(format!("internal error: {}", panic_message(&*p))));
        let mut d = Dictionary::new();
        match reply {
            Ok(v) => {
                d.insert("ok", true);
                d.insert("value", v);
            }
            Err(e) => {
                d.insert("ok", false);
                d.insert("err", e);
            }
        }
        Object::from(d)
    }))
}

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Panics are reported as values; the default hook would also print them over
/// Neovim's screen.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// The argument as text: a Lua string (bytes, possibly not UTF-8, decoded lossily) or nil.
pub fn text_arg(arg: Object) -> Result<Option<String>, String> {
    use nvim_oxi::conversion::FromObject;
    match arg.kind() {
        nvim_oxi::ObjectKind::Nil => Ok(None),
        nvim_oxi::ObjectKind::String => nvim_oxi::String::from_object(arg)
            .map(|s| Some(s.to_string_lossy().into_owned()))
            .map_err(|e| e.to_string()),
        other => Err(format!("expected a string, got {}", other.as_static())),
    }
}
