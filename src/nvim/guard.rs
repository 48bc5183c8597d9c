//! The FFI boundary. nvim-oxi 0.6 aborts Neovim when a function returns `Err` or panics
//! (its trampolines are `extern "C"`), so every function we hand to Lua goes through
//! here: panics are caught, errors become `{ ok = false, err = "..." }` values that the
//! Lua side turns into messages.
//!
//! Values cross by hand, on the Lua stack, not as nvim-oxi `Object`s: nvim-oxi's `String`
//! never frees what it holds (its `Drop` is empty), so every reply or argument made of
//! them leaked (`status()` ~700 B a call, and a statusline calls on every redraw). Here an
//! argument is copied off the stack into a Rust `String`, and a reply is built from a
//! `serde_json::Value` straight into Lua tables: Lua's collector owns all of it.

use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use nvim_oxi::lua::ffi::{self as lua, State};
use nvim_oxi::{Function, Object};
use serde_json::Value;

pub type Reply = Result<Value, String>;

/// Longest string argument: `speak()` takes at most 1 MiB (`max_text_bytes`); a little more
/// gets through so the function itself can say which limit was passed.
const MAX_ARG_BYTES: usize = 2 << 20;

/// A native function's one argument. Every function here takes a string (options cross as
/// JSON) or nothing; other values are named, never converted (a table nested deep enough
/// would overflow a recursive conversion, and userdata cannot be converted at all).
pub enum Arg {
    Nil,
    Text(String),
    /// A string longer than any function here takes (its length): refused before it is
    /// copied or decoded (200 MiB of invalid UTF-8 would cost seconds and gigabytes).
    TooLong(usize),
    /// Something else: its Lua type name, for the message.
    Other(&'static str),
}

impl nvim_oxi::lua::Poppable for Arg {
    unsafe fn pop(l: *mut State) -> Result<Self, nvim_oxi::lua::Error> {
        // SAFETY: called by nvim-oxi's trampoline with the arguments on `l`'s stack; the
        // value read is popped, and anything left below is discarded with the call frame.
        unsafe {
            if lua::lua_gettop(l) == 0 {
                return Ok(Arg::Nil);
            }
            let arg = match lua::lua_type(l, -1) {
                lua::LUA_TNIL => Arg::Nil,
                lua::LUA_TSTRING => {
                    let mut len = 0usize;
                    let ptr = lua::lua_tolstring(l, -1, &mut len);
                    if len > MAX_ARG_BYTES {
                        Arg::TooLong(len)
                    } else {
                        let bytes =
                            if ptr.is_null() { &[][..] } else { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
                        Arg::Text(String::from_utf8_lossy(bytes).into_owned())
                    }
                }
                lua::LUA_TNUMBER => Arg::Other("number"),
                lua::LUA_TBOOLEAN => Arg::Other("boolean"),
                lua::LUA_TTABLE => Arg::Other("table"),
                lua::LUA_TFUNCTION => Arg::Other("function"),
                _ => Arg::Other("userdata"),
            };
            lua::lua_pop(l, 1);
            Ok(arg)
        }
    }
}

/// A reply on its way to Lua: `{ ok = true, value = … }` or `{ ok = false, err = "…" }`.
struct Out(Reply);

impl nvim_oxi::lua::Pushable for Out {
    unsafe fn push(self, l: *mut State) -> Result<c_int, nvim_oxi::lua::Error> {
        // SAFETY: `l` is the state nvim-oxi's trampoline runs on; one table is pushed.
        unsafe {
            lua::lua_createtable(l, 0, 2);
            match self.0 {
                Ok(v) => {
                    push_bool(l, true);
                    lua_setfield(l, -2, c"ok".as_ptr());
                    push_value(l, &v, 0);
                    lua_setfield(l, -2, c"value".as_ptr());
                }
                Err(e) => {
                    push_bool(l, false);
                    lua_setfield(l, -2, c"ok".as_ptr());
                    push_str(l, &e);
                    lua_setfield(l, -2, c"err".as_ptr());
                }
            }
        }
        Ok(1)
    }
}

extern "C" {
    // Part of the Lua C API Neovim exports, like those nvim-oxi declares.
    fn lua_checkstack(l: *mut State, extra: c_int) -> c_int;
    fn lua_setfield(l: *mut State, index: c_int, k: *const std::ffi::c_char);
}

/// Deepest value pushed: replies are the plugin's own small structures.
const MAX_DEPTH: usize = 32;

unsafe fn push_bool(l: *mut State, b: bool) {
    // SAFETY: as for every push here: `l` is a live state with room checked by the caller.
    unsafe { lua::lua_pushboolean(l, isize::from(b)) }
}

unsafe fn push_str(l: *mut State, s: &str) {
    // SAFETY: Lua copies the bytes.
    unsafe { lua::lua_pushlstring(l, s.as_ptr().cast(), s.len()) }
}

/// Push `v` as a Lua value: null as nil, arrays as lists, objects as tables.
pub unsafe fn push_value(l: *mut State, v: &Value, depth: usize) {
    // SAFETY: every branch pushes exactly one value; room for a table, a key and a value
    // is made before going one level deeper.
    unsafe {
        if depth > MAX_DEPTH || lua_checkstack(l, 3) == 0 {
            lua::lua_pushnil(l);
            return;
        }
        match v {
            Value::Null => lua::lua_pushnil(l),
            Value::Bool(b) => push_bool(l, *b),
            Value::Number(n) => lua::lua_pushnumber(l, n.as_f64().unwrap_or(0.0)),
            Value::String(s) => push_str(l, s),
            Value::Array(items) => {
                lua::lua_createtable(l, items.len().min(c_int::MAX as usize) as c_int, 0);
                for (i, item) in items.iter().enumerate() {
                    push_value(l, item, depth + 1);
                    lua::lua_rawseti(l, -2, (i + 1) as c_int);
                }
            }
            Value::Object(map) => {
                lua::lua_createtable(l, 0, map.len().min(c_int::MAX as usize) as c_int);
                for (k, item) in map {
                    push_str(l, k);
                    push_value(l, item, depth + 1);
                    lua::lua_rawset(l, -3);
                }
            }
        }
    }
}

/// Call `require(module)[name](value)` in Lua, protected: a Lua error is returned as text,
/// never raised through Rust. For the main thread only (the callers are scheduled).
pub fn call_lua(module: &str, name: &str, value: &Value) -> Result<(), String> {
    let (module, name) = (std::ffi::CString::new(module), std::ffi::CString::new(name));
    let (Ok(module), Ok(name)) = (module, name) else { return Err("bad name".into()) };
    // SAFETY: on the main thread, with the state nvim-oxi keeps; the stack is put back to
    // where it was whatever happens.
    unsafe {
        nvim_oxi::lua::with_state(|l| {
            let top = lua::lua_gettop(l);
            let result = (|| {
                if lua_checkstack(l, 8) == 0 {
                    return Err("Lua stack full".to_string());
                }
                lua::lua_getglobal(l, c"require".as_ptr());
                lua::lua_pushstring(l, module.as_ptr());
                if lua::lua_pcall(l, 1, 1, 0) != 0 {
                    return Err(error_text(l));
                }
                lua::lua_getfield(l, -1, name.as_ptr());
                push_value(l, value, 0);
                if lua::lua_pcall(l, 1, 0, 0) != 0 {
                    return Err(error_text(l));
                }
                Ok(())
            })();
            lua::lua_settop(l, top);
            result
        })
    }
}

unsafe fn error_text(l: *mut State) -> String {
    // SAFETY: a failed pcall leaves its message on top.
    unsafe {
        let mut len = 0usize;
        let ptr = lua::lua_tolstring(l, -1, &mut len);
        if ptr.is_null() {
            return "error".into();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(ptr.cast::<u8>(), len)).into_owned()
    }
}

/// Wrap `f` so that calling it from Lua can never take Neovim down.
pub fn function<F>(f: F) -> Object
where
    F: Fn(Arg) -> Reply + 'static,
{
    Object::from(Function::<Arg, Out>::from_fn(move |arg: Arg| {
        Out(catch_unwind(AssertUnwindSafe(|| f(arg)))
            .unwrap_or_else(|p| Err(format!("internal error: {}", panic_message(&*p)))))
    }))
}

pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Panics are reported as values; the default hook would also print them over Neovim's
/// screen. Instead each is kept (the last few) for `:checkhealth` and appended to
/// [`panic_log`], so one in a thread of ours, outside any guard, still leaves a trace.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let line = format!("{thread}: {}{at}", panic_message(info.payload()));
        log_panic(&line);
        if let Ok(mut p) = PANICS.lock() {
            if p.len() == MAX_PANICS {
                p.pop_front();
            }
            p.push_back(line);
        }
    }));
}

/// Where caught panics are written: Neovim's log directory (`stdpath("log")`), as
/// `speakja.log`.
pub fn panic_log() -> Option<std::path::PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/state")))?;
    let app = std::env::var("NVIM_APPNAME").ok().filter(|a| !a.is_empty()).unwrap_or_else(|| "nvim".into());
    Some(state.join(app).join("speakja.log"))
}

/// One line appended (the file 0600, never through a link; left alone past 1 MiB).
fn log_panic(line: &str) {
    use std::io::Write;
    let Some(path) = panic_log() else { return };
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > 1 << 20) {
        return;
    }
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if let Ok(mut f) = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| o.open(&path)) {
        let _ = writeln!(f, "{secs} panic (caught) in {line}");
    }
}

const MAX_PANICS: usize = 8;
static PANICS: std::sync::Mutex<std::collections::VecDeque<String>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());

/// The latest panics caught in this process, oldest first.
pub fn recent_panics() -> Vec<String> {
    PANICS.lock().map(|p| p.iter().cloned().collect()).unwrap_or_default()
}

/// The argument as text: a Lua string (bytes, possibly not UTF-8, decoded lossily) or nil.
pub fn text_arg(arg: Arg) -> Result<Option<String>, String> {
    match arg {
        Arg::Nil => Ok(None),
        Arg::Text(t) => Ok(Some(t)),
        Arg::TooLong(len) => Err(format!("text is too long ({len} bytes; 1 MiB at most)")),
        Arg::Other(kind) => Err(format!("expected a string, got {kind}")),
    }
}
