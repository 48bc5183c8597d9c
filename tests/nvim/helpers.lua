-- A small harness for headless specs: `nvim --headless -u NONE -l tests/nvim/X_spec.lua`.
local H = {}

H.root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.rtp:prepend(H.root)
vim.cmd("runtime plugin/speakja.lua")

local tests = {}

function H.test(name, fn)
  table.insert(tests, { name = name, fn = fn })
end

function H.eq(want, got, what)
  if not vim.deep_equal(want, got) then
    error(("%s: want %s, got %s"):format(what or "value", vim.inspect(want), vim.inspect(got)), 2)
  end
end

function H.ok(cond, what)
  if not cond then
    error(what or "assertion failed", 2)
  end
end

function H.wait(ms, cond, what)
  if not vim.wait(ms, cond, 5) then
    error("timed out after " .. ms .. " ms: " .. what, 2)
  end
end

-- Messages `vim.notify` gets while `fn` runs.
function H.notified(fn)
  local msgs, orig = {}, vim.notify
  vim.notify = function(m)
    table.insert(msgs, m)
  end
  local ok, err = pcall(fn)
  -- The plugin's own messages arrive on the next ticks.
  vim.wait(30)
  vim.notify = orig
  assert(ok, err)
  return msgs
end

-- Measures how late a 10 ms timer fires: returns stop(), which gives the worst gap in ms.
function H.gap_meter()
  local last, worst = vim.uv.hrtime(), 0
  local timer = vim.uv.new_timer()
  timer:start(10, 10, function()
    local now = vim.uv.hrtime()
    worst = math.max(worst, (now - last) / 1e6)
    last = now
  end)
  return function()
    timer:stop()
    timer:close()
    return worst
  end
end

-- This Neovim's resident memory, in MB.
function H.rss_mb()
  for l in io.lines("/proc/self/status") do
    local kb = l:match("^VmRSS:%s+(%d+)")
    if kb then
      return tonumber(kb) / 1024
    end
  end
end

function H.tmpdir()
  local d = vim.fn.tempname()
  vim.fn.mkdir(d, "p")
  return d
end

-- Options for a test: the repo's fetched voice, a WAV sink and a cache in fresh
-- directories (so no test hears another's cached speech).
-- The plugin makes both directories itself (private, tagged): it takes over none it did
-- not make.
function H.opts(extra)
  local dir = H.tmpdir() .. "/wav"
  return vim.tbl_deep_extend("force", {
    translator = { engine = "none" },
    audio = { sink = "wav", wav_dir = dir },
    cache = { dir = H.tmpdir() .. "/cache" },
  }, extra or {}), dir
end

function H.finished()
  for _, e in ipairs(require("speakja").history()) do
    if e.status ~= "done" and e.status ~= "stopped" and e.status ~= "dropped" and e.status ~= "failed" then
      return false
    end
  end
  return true
end

-- Duration (s) and RMS level (0..1) of a 16-bit mono WAV file.
function H.wav_stats(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  H.eq("RIFF", data:sub(1, 4), "wav magic")
  local ffi = require("ffi")
  local rate = ffi.cast("const uint32_t*", data:sub(25, 28))[0]
  local pcm = data:sub(45)
  local n = math.floor(#pcm / 2)
  local s = ffi.cast("const int16_t*", pcm)
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + (s[i] / 32768) ^ 2
  end
  return n / rate, math.sqrt(sum / math.max(n, 1))
end

function H.wavs(dir)
  local files = vim.fn.glob(dir .. "/*.wav", false, true)
  table.sort(files)
  return files
end

function H.run()
  local passed, failed = 0, 0
  for _, t in ipairs(tests) do
    local ok, err = xpcall(t.fn, debug.traceback)
    if ok then
      passed = passed + 1
      io.stdout:write("ok - " .. t.name .. "\n")
    else
      failed = failed + 1
      io.stdout:write("not ok - " .. t.name .. "\n" .. tostring(err) .. "\n")
    end
  end
  io.stdout:write(("%d passed, %d failed\n"):format(passed, failed))
  vim.cmd((failed == 0 and "qall!" or "cquit!"))
end

return H
