-- :SpeakJaAuto record and debug, through a real :terminal: a recording made while auto-speak
-- follows a replayed Claude Code session is itself a cast that, replayed, is heard the same
-- (so a user's recording becomes a fixture), and debug tells what was heard and from where.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local R = dofile(H.root .. "/tests/nvim/replay.lua")
R.SPEED = 2
local sj = require("speakja")

local function heard()
  local out = vim.tbl_map(function(e)
    return e.source
  end, sj.history())
  sj.stop()
  return out
end

local function setup()
  sj.setup(H.opts({
    audio = { sink = "null" },
    tts = { speed = 4 },
    auto = { patterns = { "replay_cast", "replay_tx" }, max_backlog_s = 3600, interrupt_on_prompt = false },
  }))
end

H.test("a recording of a followed terminal is heard as the terminal was, and is private", function()
  local cast = H.root .. "/tests/fixtures/claude/1.0.128/wrap_inline.cast"
  local dir = H.tmpdir()
  local path = dir .. "/rec.cast"
  setup()
  R.play(H.root, cast, nil, function(buf)
    H.eq(path, sj.auto_record(path, buf), "recording path")
  end)
  vim.wait(1500)
  local first = heard()
  H.ok(#first >= 3, "heard " .. #first)
  sj.auto("record_stop")
  vim.wait(300)
  H.eq("rw-------", vim.fn.getfperm(path), "the recording's mode")
  local text = table.concat(vim.fn.readfile(path), "\n")
  H.ok(not text:find(vim.env.HOME, 1, true) or vim.env.HOME == "/", "home directory replaced")
  setup()
  R.play(H.root, path)
  vim.wait(1500)
  H.eq(first, heard(), "heard from the recording")
end)

H.test(":SpeakJaAuto debug says which session file decides and what was spoken from it", function()
  local cast = H.root .. "/tests/fixtures/claude/2.0.77/code_blocks.cast"
  if vim.fn.filereadable(cast) == 0 then
    return
  end
  setup()
  local config = H.tmpdir()
  local buf = R.play(H.root, cast, nil, nil, config)
  vim.wait(1500)
  local d = sj.auto("debug", buf)
  heard()
  H.ok(d.followed, "followed")
  H.eq("prompt", d.source.found_by, "found by")
  local log = table.concat(d.log, "\n")
  H.ok(log:find("speak (Transcript", 1, true), log)
  -- Row by row, why each row of the screen was heard or not.
  local rows = table.concat(d.rows, "\n")
  H.ok(rows:find("Prose    │", 1, true) and rows:find("Live     │", 1, true), rows)
  local scratch = sj.auto_debug_open(buf)
  H.ok(vim.api.nvim_buf_get_lines(scratch, 0, 1, false)[1]:find("session file", 1, true), "debug buffer")
end)

H.run()
