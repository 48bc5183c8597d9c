-- Credentials the terminal wrapped (issue #21): Claude Code's reply names two made-up keys in
-- prose at 80 columns (tests/fixtures/claude/scenarios/secret_wrap_80.script.json), a
-- 108-character Anthropic key longer than a row and a 40-character base64 AWS secret with `/`
-- and `+`. 2.1.332 breaks the long key at the width and indents the rest; 2.0.77 lets the
-- terminal cut both keys (the AWS key's last 10 characters, the Anthropic key's last 14, on the
-- next row, too short alone to look like keys). Each recording is replayed into a real
-- :terminal of 80 columns, screen only and with Claude Code's session file: every key is
-- hidden whole (no run of 6 of its characters in history, the float, the history buffer,
-- messages or the cache), heard as キー省略, and the sentences around them are heard whole.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local R = dofile(H.root .. "/tests/nvim/replay.lua")
R.SPEED = 2
local sj = require("speakja")

local KEYS = {
  "sk-ant-api03-DwENqA77d0xXDjDRX3t6DiiDK2qEamJplseopf3UhXBmmJwiuxAB7_ZyzOkp4NUgctPrZfEf-K_mXCDtD_Nc1WxR6joXKAA",
  "BY2+HUCABxcS+eu6agkRzDu/EUY7kW/NjwE1ivLc",
}
local RUN = 6

-- The first run of RUN characters of a key that `text` holds, or nil.
local function leaked(text)
  for _, key in ipairs(KEYS) do
    for i = 1, #key - RUN + 1 do
      local run = key:sub(i, i + RUN - 1)
      if text:find(run, 1, true) then
        return run
      end
    end
  end
end

local function read_all(dir)
  local out = {}
  for _, f in ipairs(vim.fn.glob(dir .. "/**/*", false, true)) do
    local h = vim.fn.isdirectory(f) == 0 and io.open(f, "rb")
    if h then
      out[#out + 1] = h:read("*a")
      h:close()
    end
  end
  return table.concat(out, "\n")
end

-- The text of every float open now but the terminal's own window.
local function floats(except)
  local out = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if w ~= except and vim.api.nvim_win_get_config(w).relative ~= "" then
      vim.list_extend(out, vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false))
    end
  end
  return table.concat(out, "\n")
end

local function case(version, transcript)
  local cast = ("%s/tests/fixtures/claude/%s/secret_wrap_80.cast"):format(H.root, version)
  local label = version .. (transcript and " with its session file" or ", screen only")
  H.test("a wrapped key is hidden whole at 80 columns: Claude Code " .. label, function()
    H.ok(vim.fn.filereadable(cast) == 1, "no recording " .. cast)
    local header = vim.json.decode(io.lines(cast)()) ---@diagnostic disable-line: param-type-mismatch
    H.eq(80, header.width, "the recording's width")
    local opts = H.opts({
      audio = { sink = "null" },
      tts = { speed = 4 },
      auto = { patterns = { "replay_cast", "replay_tx" }, max_backlog_s = 3600, interrupt_on_prompt = false },
    })
    sj.setup(opts)
    local shown, term_win = {}, nil
    local group = vim.api.nvim_create_augroup("secrets_spec", { clear = true })
    vim.api.nvim_create_autocmd("User", {
      group = group,
      pattern = "SpeakJaStart",
      callback = function(ev)
        table.insert(shown, floats(term_win))
        table.insert(shown, vim.inspect(ev.data))
      end,
    })
    local config_dir = transcript and vim.fn.tempname() or nil
    local rows
    local msgs = H.notified(function()
      local buf = R.play(H.root, cast, nil, function()
        term_win = vim.api.nvim_get_current_win()
      end, config_dir)
      vim.wait(1500) -- the last lines settle, then are heard
      H.wait(30000, H.finished, "all spoken")
      rows = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      H.eq(80, vim.api.nvim_win_get_width(term_win), "the terminal's width")
    end)
    -- The :terminal drew the keys, the long one (and on 2.0.77 both) cut over two rows: the
    -- test is not empty.
    H.eq(80, math.max(unpack(vim.tbl_map(vim.fn.strdisplaywidth, rows))), "the widest row")
    for i, key in ipairs(KEYS) do
      local text = table.concat(rows, "\n")
      H.ok(text:find(key:sub(1, 12), 1, true) and text:find(key:sub(-9), 1, true), "key " .. i .. " drawn")
      local whole = #vim.tbl_filter(function(r)
        return r:find(key, 1, true) ~= nil
      end, rows)
      H.eq((i == 1 or version:find("^2%.0")) and 0 or 1, whole, "rows holding key " .. i .. " whole")
    end
    local source = sj.status().sources[1]
    if config_dir then
      H.ok(source and source.transcript ~= vim.NIL and source.transcript ~= nil, "no session file followed")
    end
    local history = sj.history()
    sj.history_open()
    local listed = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    vim.cmd("close")
    sj.stop()
    vim.api.nvim_del_augroup_by_id(group)
    R.close_terminals()
    if config_dir then
      vim.fn.delete(config_dir, "rf")
    end

    -- Nothing of either key, anywhere the user or a later stage could see it.
    H.ok(#history >= 4, "heard " .. #history)
    for _, e in ipairs(history) do
      for _, field in ipairs({ "source", "text", "spoken" }) do
        local v = e[field]
        local run = type(v) == "string" and leaked(v)
        H.ok(not run, ("%q of a key in entry %d's %s: %s"):format(tostring(run), e.id, field, tostring(v)))
      end
    end
    for what, text in pairs({
      history = vim.inspect(history),
      ["the history buffer"] = listed,
      ["the float"] = table.concat(shown, "\n"),
      messages = table.concat(msgs, "\n"),
      ["the cache"] = read_all(opts.cache.dir),
    }) do
      local run = leaked(text)
      H.ok(not run, ("%q of a key in %s"):format(tostring(run), what))
    end
    H.ok(#shown >= 4, "the float showed " .. #shown / 2 .. " sentences")

    -- The sentences around the keys are heard whole, each once, the keys as キー省略.
    local heard = vim.tbl_map(function(e)
      return e.source
    end, vim.tbl_filter(function(e)
      return e.status ~= "dropped"
    end, history))
    local expected = R.expected(cast, transcript)
    H.eq(4, #expected, "expected sentences")
    H.eq(expected, heard, "heard")
    local placeholders = 0
    for _, h in ipairs(heard) do
      placeholders = placeholders + select(2, h:gsub("キー省略", ""))
    end
    H.eq(2, placeholders, "キー省略 heard")
    H.ok(heard[4]:find("^Rotate both keys today"), "the sentence after the keys")
    H.ok(table.concat(shown, "\n"):find("キー省略", 1, true), "the float shows キー省略")
  end)
end

for _, version in ipairs({ "2.1.332", "2.0.77" }) do
  case(version, false)
  case(version, true)
end

H.run()
