-- speakja.nvim: hear English on screen as spoken Japanese.
-- Thin layer over the native module: option plumbing, text picking, messages.
local M = {}

local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
local native
local last_opts = {}

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.WARN, { title = "speakja" })
end

-- Keys and commands report errors as messages, never as stack traces.
local function report(fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok then
    notify(tostring(err))
  end
end

-- The native library is built against Neovim 0.11's API and data layouts; an older
-- Neovim gets one message, and the library is never loaded.
local supported = vim.fn.has("nvim-0.11") == 1
local warned = false

function M._supported()
  if not supported and not warned then
    warned = true
    notify("speakja needs Neovim ≥ 0.11", vim.log.levels.ERROR)
  end
  return supported
end

local function lib()
  if native then
    return native
  end
  if not supported then
    error("speakja needs Neovim ≥ 0.11", 0)
  end
  local ok, mod = pcall(require, "speakja_native")
  if not ok then
    error("speakja: native library not found; run `make` in " .. root .. " (" .. tostring(mod) .. ")", 0)
  end
  native = mod
  return native
end

-- Call a native function; its failures come back as values and are raised here, in Lua.
local function call(name, arg)
  -- A libuv callback may not touch the editor; the native side would, so say so here.
  if vim.in_fast_event() then
    error("speakja: " .. name .. "() called from a fast event (a libuv callback): wrap the call in vim.schedule()", 0)
  end
  local r = lib()[name](arg)
  if not r.ok then
    error("speakja: " .. tostring(r.err), 0)
  end
  return r.value
end

local function encode(opts)
  local ok, json = pcall(vim.json.encode, opts)
  if not ok then
    error("speakja: options must be plain values (strings, numbers, booleans, tables): " .. json, 0)
  end
  return json
end

-- The native side takes paths literally: it knows neither `~`, `$VAR` nor Neovim's
-- current directory, so path options are made absolute here.
local path_options = { "models_dir", "translator.model", "tts.voice", "tts.dictionary", "audio.wav_dir", "cache.dir" }

local function with_defaults(opts)
  opts = vim.deepcopy(opts or {})
  if opts.models_dir == nil then
    opts.models_dir = root .. "/models"
  end
  for _, name in ipairs(path_options) do
    local group, key = name:match("^(%w+)%.([%w_]+)$")
    local t = group and opts[group] or opts
    key = key or name
    -- Anything but a string is left for the native side to name as a type error, and ""
    -- to refuse (made absolute, it would be the current directory).
    if type(t) == "table" and type(t[key]) == "string" and t[key] ~= "" then
      t[key] = vim.fs.abspath(vim.fs.normalize(t[key]))
    end
  end
  return opts
end

--- Configure and start the worker. Raises a clear error on a bad option.
---@param opts? speakja.Config see lua/speakja/types.lua and :help speakja-options
function M.setup(opts)
  if not M._supported() then
    return
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("speakja: setup() takes a table, got " .. type(opts), 0)
  end
  last_opts = with_defaults(opts)
  -- A missing library is an install problem, not a config error: raising would abort
  -- the user's whole init.lua on every start.
  local ok, err = pcall(lib)
  if not ok then
    return notify(err, vim.log.levels.ERROR)
  end
  call("setup", encode(last_opts))
  require("speakja.ui").reset()
end

--- Start the worker again with the same options (a model fetched, a voice replaced).
function M.reload()
  M.setup(last_opts)
end

--- `:SpeakJaFetch`: download the NLLB model in the background (see lua/speakja/fetch.lua);
--- `opts` for tests and mirrors: `pins`, `endpoint`.
function M.fetch(opts)
  opts = vim.tbl_extend("keep", opts or {}, { models_dir = with_defaults(last_opts).models_dir })
  return require("speakja.fetch").start(opts)
end

local function ensure_setup()
  local st = lib().status()
  if not st.ok then
    M.setup(last_opts)
  end
end

--- Speak `text` (split into sentences). Returns how many sentences were queued.
function M.speak(text)
  if type(text) ~= "string" then
    error("speakja: speak() takes a string, got " .. type(text), 0)
  end
  ensure_setup()
  return call("speak", text)
end

--- Silence speech and drop everything queued.
function M.stop()
  ensure_setup()
  call("stop")
end

--- Skip the sentence being spoken; the rest goes on.
function M.skip()
  ensure_setup()
  call("skip")
end

--- Spoken sentences, oldest first.
function M.history()
  ensure_setup()
  return call("history")
end

--- Auto-speak a terminal buffer: `mode` is "on", "off" or "toggle" (default);
--- `buf` defaults to the current buffer. Returns whether it is now attached.
function M.auto(mode, buf)
  mode = mode or "toggle"
  local whole = type(buf) == "number" and buf == math.floor(buf) and buf >= 0 and buf < 2 ^ 31
  if type(mode) ~= "string" or (buf ~= nil and not whole) then
    error("speakja: auto([mode], [buf]) takes a string and a buffer number", 0)
  end
  ensure_setup()
  return call("auto", vim.json.encode({ buf = buf or 0, mode = mode }))
end

function M.status()
  ensure_setup()
  return call("status")
end

-- For health.lua: facts about the native side, judged with the current options.
function M._health()
  local ok, err = pcall(lib)
  if not ok then
    return nil, err
  end
  return call("health", encode(with_defaults(last_opts))), native.version
end

-- Text of a `:SpeakJa` invocation: arguments, else the range (charwise when it is the
-- last visual selection), else the current line.
local function command_text(a)
  if a.args ~= "" then
    return a.args
  end
  if a.range > 0 then
    local vs, ve = vim.fn.getpos("'<"), vim.fn.getpos("'>")
    if vs[2] == a.line1 and ve[2] == a.line2 and vim.fn.visualmode() ~= "" then
      return table.concat(vim.fn.getregion(vs, ve, { type = vim.fn.visualmode() }), "\n")
    end
    return table.concat(vim.api.nvim_buf_get_lines(0, a.line1 - 1, a.line2, false), "\n")
  end
  return vim.api.nvim_get_current_line()
end

--- Operator: `g@` calls this with the motion type; called with no argument it arms
--- itself (map it with `expr = true`, see |speakja-operator|).
function M.operator(kind)
  if kind == nil then
    vim.o.operatorfunc = "v:lua.require'speakja'.operator"
    return "g@"
  end
  local mode = ({ line = "V", char = "v", block = "\22" })[kind]
  if not mode then
    return notify(("speakja: operator() takes the motion type g@ gives (line, char, block), got %s"):format(vim.inspect(kind)))
  end
  report(function()
    -- `']` is the last character of the motion, whatever 'selection' says.
    local region = vim.fn.getregion(vim.fn.getpos("'["), vim.fn.getpos("']"), { type = mode, exclusive = false })
    M.speak(table.concat(region, "\n"))
  end)
end

--- Empty the speech and translation cache; returns what was removed.
function M.cache_clear()
  ensure_setup()
  return call("cache_clear")
end

--- Open the history buffer (`:SpeakJaHistory`).
function M.history_open()
  ensure_setup()
  require("speakja.ui").open_history(M.history())
end

local function history_action(action)
  local id = (vim.b.speakja_ids or {})[vim.fn.line(".")]
  local entry
  for _, e in ipairs(M.history()) do
    if e.id == id then
      entry = e
    end
  end
  if not entry then
    return notify("no history entry on this line")
  end
  if action == "replay" then
    -- By id, not by text: a terminal's sentence stays offline when heard again.
    call("replay", tostring(entry.id))
  elseif entry.text and entry.text ~= vim.NIL then
    vim.fn.setreg('"', entry.text)
    notify("yanked: " .. entry.text, vim.log.levels.INFO)
  end
end

-- The history buffer's keys: `replay` speaks the entry under the cursor again, `yank`
-- puts its translation in the unnamed register.
function M._history_action(action)
  report(history_action, action)
end

--- For statuslines: what is being spoken, or "" (never raises).
function M.statusline()
  if not native then
    return ""
  end
  local r = native.statusline()
  return r.ok and r.value or ""
end

local actions = {
  speak = function(a)
    M.speak(command_text(a))
  end,
  stop = M.stop,
  skip = M.skip,
  history = function()
    M.history_open()
  end,
  fetch = function(a)
    if a.args == "cancel" then
      if not require("speakja.fetch").cancel() then
        notify("no model fetch under way", vim.log.levels.INFO)
      end
    elseif a.args == "" then
      M.fetch()
    else
      error("speakja: usage: :SpeakJaFetch [cancel]", 0)
    end
  end,
  cache = function(a)
    if a.args ~= "clear" then
      error("speakja: usage: :SpeakJaCache clear", 0)
    end
    notify(M.cache_clear(), vim.log.levels.INFO)
  end,
  claude = function(a)
    M.claude(a.fargs)
  end,
  auto = function(a)
    local words = vim.split(a.args, "%s+", { trimempty = true })
    if words[1] == "debug" then
      return M.auto_debug_open()
    elseif words[1] == "record" and words[2] == "stop" then
      local was = M.auto("record_stop")
      return notify(was and "recording stopped" or "no recording in this terminal", vim.log.levels.INFO)
    elseif words[1] == "record" then
      local path = M.auto_record(words[2])
      return notify("recording this terminal into " .. path .. " (:SpeakJaAuto record stop)", vim.log.levels.INFO)
    end
    local on = M.auto(words[1] or "toggle")
    notify("auto-speak " .. (on and "on" or "off") .. " for this terminal", vim.log.levels.INFO)
  end,
}

--- Starts recording the current terminal as an asciicast (redacted, home as ~) into `path`
--- (default: a new file in stdpath("state")/speakja/recordings/). Returns the path.
function M.auto_record(path, buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  if path == nil or path == "" then
    local dir = vim.fn.stdpath("state") .. "/speakja/recordings"
    vim.fn.mkdir(dir, "p", 448) -- 0700
    path = ("%s/claude-%s.cast"):format(dir, os.date("%Y%m%d-%H%M%S"))
  end
  local win = vim.fn.bufwinid(buf)
  local width = win ~= -1 and vim.api.nvim_win_get_width(win) or vim.o.columns
  local height = win ~= -1 and vim.api.nvim_win_get_height(win) or vim.o.lines
  ensure_setup()
  return call("auto", vim.json.encode({ buf = buf, mode = "record", path = vim.fn.fnamemodify(path, ":p"), width = width, height = height }))
end

--- Starts Claude Code in a terminal split and follows it. A `SessionStart` hook, passed with
--- `--settings` (your settings and project files are never written), tells the plugin which
--- session file is this terminal's, on every release. `opts.program` runs another program
--- than `claude`; `opts.split` the command that opens the window (default "botright vsplit").
function M.claude(args, opts)
  args, opts = args or {}, opts or {}
  ensure_setup()
  local dir = vim.fn.stdpath("run") .. "/speakja"
  vim.fn.mkdir(dir, "p", 448) -- 0700
  local hook = ("%s/hook-%d-%d.json"):format(dir, vim.fn.getpid(), vim.uv.hrtime())
  local settings = vim.json.encode({
    hooks = { SessionStart = { { hooks = { { type = "command", command = "cat > " .. vim.fn.shellescape(hook) } } } } },
  })
  if opts.split ~= false then
    vim.cmd(opts.split or "botright vsplit")
  end
  vim.cmd("enew")
  local buf = vim.api.nvim_get_current_buf()
  vim.fn.jobstart(vim.list_extend({ opts.program or "claude", "--settings", settings }, args), {
    term = true,
    on_exit = function()
      os.remove(hook)
    end,
  })
  call("auto", vim.json.encode({ buf = buf, mode = "on", hook = hook }))
  return buf
end

--- What auto-speak heard in the current terminal and why, in a scratch buffer.
function M.auto_debug_open(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local d = M.auto("debug", buf)
  local lines = {}
  if not d.followed then
    lines = { "auto-speak does not follow this buffer (:SpeakJaAuto on)" }
  else
    local src = d.source or {}
    if type(src.transcript) == "string" then
      lines[1] = ("what is said: Claude Code's session file %s (found by %s; drawing: %s)"):format(
        src.transcript, src.found_by, src.drawing)
    else
      lines[1] = "what is said: the screen only: " .. (type(src.why_not) == "string" and src.why_not or "no session file found yet")
    end
    lines[2] = ""
    vim.list_extend(lines, d.log)
    vim.list_extend(lines, { "", "The screen now, row by row (what each row was taken for):" })
    vim.list_extend(lines, d.rows or {})
  end
  vim.cmd("botright new")
  local out = vim.api.nvim_get_current_buf()
  vim.bo[out].buftype, vim.bo[out].bufhidden, vim.bo[out].swapfile = "nofile", "wipe", false
  vim.api.nvim_buf_set_name(out, "speakja://auto-debug/" .. buf)
  vim.api.nvim_buf_set_lines(out, 0, -1, false, lines)
  vim.bo[out].modifiable = false
  return out
end

function M.command(action, a)
  report(actions[action], a)
end

M._root = root
return M
