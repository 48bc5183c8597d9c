-- Failures a user meets outside bad input: a missing library, a failing key.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")

-- Run fn with a fresh speakja module that cannot load its native library.
local function without_native(fn)
  local saved_sj, saved_native = package.loaded.speakja, package.loaded.speakja_native
  package.loaded.speakja, package.loaded.speakja_native = nil, nil
  package.preload.speakja_native = function()
    error("speakja_native.so: cannot open shared object file (spec)")
  end
  local ok, err = pcall(fn, require("speakja"))
  package.preload.speakja_native = nil
  package.loaded.speakja, package.loaded.speakja_native = saved_sj, saved_native
  assert(ok, err)
end

local function health_text()
  vim.cmd("checkhealth speakja")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout")
  return text
end

H.test("setup() without the library: a message with the fix, no error", function()
  without_native(function(sj)
    local msgs = H.notified(function()
      sj.setup({})
    end)
    H.eq(1, #msgs, "messages")
    H.ok(msgs[1]:find("run `make`", 1, true), msgs[1])
    -- Bad options are still errors: they are the user's to fix in their config.
    H.ok(not pcall(sj.setup, "loud"), "a non-table is an error")
  end)
end)

H.test(":checkhealth names a missing library, and other failures as they are", function()
  without_native(function()
    local text = health_text()
    H.ok(text:find("native library not loaded", 1, true) and text:find("run `make`", 1, true), text)
  end)
  local sj = require("speakja")
  local health = sj._health
  sj._health = function()
    error("speakja: worker poisoned (spec)", 0)
  end
  local ok, text = pcall(health_text)
  sj._health = health
  assert(ok, text)
  H.ok(text:find("worker poisoned (spec)", 1, true), text)
  H.ok(not text:find("not loaded", 1, true) and not text:find("make", 1, true), text)
end)

H.test("a failing history key is a message, not a stack trace", function()
  local sj = require("speakja")
  sj.setup(H.opts({ ui = { float = false } }))
  sj.speak("履歴です。")
  H.wait(20000, H.finished, "spoken")
  vim.cmd("SpeakJaHistory")
  local history = sj.history
  sj.history = function()
    error("speakja: history unavailable (spec)", 0)
  end
  local ok, msgs = pcall(H.notified, function()
    vim.cmd('execute "normal \\<CR>"')
    vim.cmd("normal y")
  end)
  sj.history = history
  assert(ok, msgs)
  H.eq({ "speakja: history unavailable (spec)", "speakja: history unavailable (spec)" }, msgs, "messages")
  vim.cmd("close")
end)

H.test("q closes the history window, and in the last window shows another buffer", function()
  local sj = require("speakja")
  sj.setup(H.opts({ ui = { float = false } }))
  vim.cmd("silent! only | enew")
  local editing = vim.api.nvim_get_current_buf()
  vim.cmd("SpeakJaHistory")
  H.eq(2, #vim.api.nvim_list_wins(), "history in a split")
  vim.cmd("normal q")
  H.eq(1, #vim.api.nvim_list_wins(), "closed")
  H.eq(editing, vim.api.nvim_get_current_buf(), "back to the edited buffer")
  vim.cmd("SpeakJaHistory")
  vim.cmd("only")
  vim.cmd("normal q") -- E444 with :close
  H.eq(1, #vim.api.nvim_list_wins(), "one window")
  H.ok(not vim.api.nvim_buf_get_name(0):find("speakja://history", 1, true), "history no longer shown")
end)

-- Each of these raised a raw Lua error (E966, E5560, a getregion failure) before.
H.test("odd arguments and fast events get a clear message, never a raw error", function()
  local sj = require("speakja")
  sj.setup(H.opts({ audio = { sink = "null" } }))
  local ok, err = pcall(sj.auto, "on", 0 / 0)
  H.ok(not ok and err:find("auto%(%[mode%], %[buf%]%)"), tostring(err))
  ok, err = pcall(sj.auto, "on", 1.5)
  H.ok(not ok and err:find("buffer number"), tostring(err))
  local msgs = H.notified(function()
    sj.operator("x")
  end)
  H.ok(#msgs == 1 and msgs[1]:find("motion type"), vim.inspect(msgs))
  local got
  local timer = vim.uv.new_timer()
  timer:start(1, 0, function()
    got = { pcall(sj.speak, "Hello.") }
    timer:close()
  end)
  H.wait(2000, function()
    return got ~= nil
  end, "the timer fired")
  H.ok(not got[1] and got[2]:find("fast event"), vim.inspect(got))
  -- A string far past any limit is refused by its length, before it is read.
  local native = require("speakja_native")
  local r = native.speak(("\255"):rep(64 * 1024 * 1024))
  H.ok(not r.ok and r.err:find("too long"), vim.inspect(r.err))
end)

H.test(":checkhealth says when the GPU build was left out, and how to retry", function()
  local sj = require("speakja")
  sj.setup(H.opts({ audio = { sink = "null" } }))
  local path = H.root .. "/lua/speakja_native.build"
  local saved = vim.fn.filereadable(path) == 1 and vim.fn.readfile(path) or nil
  vim.fn.writefile({ "source=build", "features=", "gpu_failed=metal", "why=error: metal shader compile failed",
    "retry=make build" }, path)
  local ok, text = pcall(health_text)
  if saved then
    vim.fn.writefile(saved, path)
  else
    vim.fn.delete(path)
  end
  assert(ok, text)
  H.ok(text:find("metal build failed", 1, true) and text:find("metal shader compile failed", 1, true), text)
  H.ok(text:find("make build", 1, true), text)
end)

H.run()
