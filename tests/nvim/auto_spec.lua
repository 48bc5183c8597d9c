-- Auto-speak end to end: casts of Claude Code replayed into a real :terminal.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

local R = dofile(H.root .. "/tests/nvim/replay.lua")
local close_terminals = R.close_terminals

local function words(s)
  return (s:gsub("[`*]", ""):gsub("%s+", " "))
end

-- Replay one cast; returns, with the buffer, when each line was drawn (hrtime ns).
local function replay(cast, on_open)
  local drawn = {}
  local buf = R.play(H.root, cast, function(b, first, last_new)
    local now = vim.uv.hrtime()
    for _, line in ipairs(vim.api.nvim_buf_get_lines(b, first, last_new, false)) do
      drawn[#drawn + 1] = { now, words(line) }
    end
  end, on_open)
  return buf, drawn
end

local function first_drawn(drawn, sentence)
  local head = words(sentence):sub(1, 24)
  for _, d in ipairs(drawn) do
    if d[2]:find(head, 1, true) then
      return d[1]
    end
  end
end

for _, cast in ipairs(vim.fn.glob(H.root .. "/tests/fixtures/casts/*.cast", false, true)) do
  H.test("auto-speak " .. vim.fn.fnamemodify(cast, ":t"), function()
    local expected = vim.json.decode(table.concat(vim.fn.readfile(cast:gsub("%.cast$", ".expected.json")), "\n")).spoken
    sj.setup(H.opts({
      audio = { sink = "null" },
      tts = { speed = 4 },
      auto = { patterns = { "replay_cast" }, max_backlog_s = 3600, interrupt_on_prompt = false },
    }))
    local queued_at = {}
    local timer = vim.uv.new_timer()
    timer:start(5, 5, vim.schedule_wrap(function()
      local n = #sj.history()
      if n > #queued_at then
        for i = #queued_at + 1, n do
          queued_at[i] = vim.uv.hrtime()
        end
      end
    end))
    local _, drawn = replay(cast)
    vim.wait(3000) -- the last lines settle (an unpunctuated one closes after 2 s), then are heard
    timer:stop()
    timer:close()
    local heard = vim.tbl_map(function(e)
      return e.source
    end, sj.history())
    sj.stop()
    -- Precision and recall, then the exact sequence.
    local want = {}
    for _, s in ipairs(expected) do
      want[s] = true
    end
    local hits = 0
    for _, s in ipairs(heard) do
      hits = hits + (want[s] and 1 or 0)
    end
    local worst = 0
    for i, s in ipairs(expected) do
      local t = first_drawn(drawn, s)
      local j = vim.fn.index(heard, s) + 1
      if t and j > 0 and queued_at[j] then
        worst = math.max(worst, (queued_at[j] - t) / 1e6)
      end
    end
    io.stdout:write(("# %s: precision %d/%d, recall %d/%d, worst drawn→queued %.0f ms\n"):format(
      vim.fn.fnamemodify(cast, ":t"), hits, #heard, hits, #expected, worst))
    H.eq(expected, heard, "sentences heard")
    -- A last line with no end punctuation and nothing after it waits 2 s for more.
    H.ok(worst < 2500, ("latency %.0f ms"):format(worst))
  end)
end

H.test("auto off, then on again before any output: each sentence is heard once", function()
  local cast = H.root .. "/tests/fixtures/casts/parser-fix.cast"
  local expected = vim.json.decode(table.concat(vim.fn.readfile(cast:gsub("%.cast$", ".expected.json")), "\n")).spoken
  sj.setup(H.opts({
    audio = { sink = "null" },
    tts = { speed = 4 },
    auto = { patterns = { "replay_cast" }, max_backlog_s = 3600, interrupt_on_prompt = false },
  }))
  replay(cast, function(buf)
    H.eq(false, sj.auto("off", buf), "off")
    H.eq(true, sj.auto("on", buf), "on")
  end)
  vim.wait(1500)
  local heard = vim.tbl_map(function(e)
    return e.source
  end, sj.history())
  sj.stop()
  H.eq(expected, heard, "sentences heard")
end)

H.test("auto.narrate_tools: one short phrase as each tool starts, between the sentences", function()
  local cast = H.root .. "/tests/fixtures/claude/2.1.332/pager_fix.cast"
  local expected = R.expected(cast)
  local speed = R.SPEED
  R.SPEED = 2 -- as the recordings' own specs play them
  for _, narrate in ipairs({ false, true }) do
    sj.setup(H.opts({
      audio = { sink = "null" },
      tts = { speed = 4 },
      auto = { patterns = { "replay_cast" }, max_backlog_s = 3600, interrupt_on_prompt = false, narrate_tools = narrate },
    }))
    replay(cast)
    vim.wait(1500)
    local heard = vim.tbl_map(function(e)
      return e.source
    end, sj.history())
    sj.stop()
    local phrases = vim.tbl_filter(function(s)
      return not vim.tbl_contains(expected, s)
    end, heard)
    if narrate then
      -- pager_fix reads, edits and runs: three tool calls, each a fixed phrase.
      H.eq({ "ファイルを読みます", "ファイルを編集します", "コマンドを実行します" }, phrases, "tool notes")
      H.eq(#expected + 3, #heard, "sentences and notes")
    else
      H.eq(expected, heard, "sentences only")
    end
  end
  R.SPEED = speed
end)

H.test("the translator loads on first use, or as soon as a terminal is attached", function()
  close_terminals()
  sj.setup(H.opts({
    translator = { engine = "nllb", model = H.root .. "/tests/fixtures/nllb/tiny-a" },
    auto = { patterns = { "sleep" } },
  }))
  vim.wait(300)
  H.eq(nil, sj.status().parts.translator, "not loaded at setup")
  vim.cmd("enew")
  vim.fn.jobstart({ "sleep", "7" }, { term = true })
  H.wait(20000, function()
    local t = sj.status().parts.translator
    return t and t.ok
  end, "loaded once the terminal was attached, before any sentence")
  -- Health and status say where it runs, in which format, and why.
  local detail = sj.status().parts.translator.detail
  H.ok(detail:find("CPU") and detail:find("Q8_0 weights") and detail:find("auto"), detail)
  H.eq(0, #sj.history(), "nothing spoken")
  close_terminals()
end)

H.test("speech keeps up: past auto.max_backlog_s the oldest unspoken sentences are dropped", function()
  sj.setup(H.opts({
    audio = { sink = "null" },
    tts = { speed = 4 },
    auto = { patterns = { "replay_cast" }, max_backlog_s = 1, interrupt_on_prompt = false },
  }))
  replay(H.root .. "/tests/fixtures/casts/parser-fix.cast")
  H.wait(120000, H.finished, "all finished")
  local statuses = {}
  for _, e in ipairs(sj.history()) do
    statuses[e.status] = (statuses[e.status] or 0) + 1
  end
  -- Each sentence is seconds of speech: with a 1 s backlog some were dropped, and what
  -- was spoken or dropped is all in history().
  H.ok((statuses.dropped or 0) > 0, "dropped: " .. vim.inspect(statuses))
  H.ok((statuses.done or 0) > 0, "spoken: " .. vim.inspect(statuses))
  H.eq(5, #sj.history(), "every sentence accounted for")
  for _, e in ipairs(sj.history()) do
    if e.status == "dropped" then
      H.ok(e.error:find("keep up"), e.error)
    end
  end
end)

H.test("a new prompt interrupts what is being said", function()
  sj.setup(H.opts({
    audio = { sink = "null" },
    auto = { patterns = { "replay_cast" }, max_backlog_s = 3600, interrupt_on_prompt = true },
  }))
  -- Three prompts: speech of the first answer is still going when the next prompt comes.
  replay(H.root .. "/tests/fixtures/casts/table-interrupt-120.cast")
  H.wait(60000, H.finished, "all finished")
  local stopped = vim.tbl_filter(function(e)
    return e.status == "stopped"
  end, sj.history())
  H.ok(#stopped > 0, "some speech was interrupted: " .. vim.inspect(vim.tbl_map(function(e)
    return e.status
  end, sj.history())))
end)

-- Neovim's own terminal takes ~10 s per MB headless, so the flood is 5 MB here; the
-- filter's memory bound under far more lines is tested in tests/tui_follower.rs.
H.test("a flood of output neither stalls the editor nor grows memory without bound", function()
  close_terminals()
  sj.setup(H.opts({ audio = { sink = "null" }, auto = { patterns = { "yes" } } }))
  vim.o.columns, vim.o.lines = 80, 26
  vim.cmd("enew")
  local rss0 = vim.uv.resident_set_memory()
  local stop_meter = H.gap_meter()
  local done = false
  local t0 = vim.uv.hrtime()
  vim.fn.jobstart({ "sh", "-c", "yes | head -c 5000000" }, {
    term = true,
    on_exit = function()
      done = true
    end,
  })
  H.ok(sj.status().worker_alive, "worker alive")
  H.wait(300000, function()
    return done
  end, "flood done")
  vim.wait(500)
  local worst = stop_meter()
  local grew = (vim.uv.resident_set_memory() - rss0) / 1e6
  io.stdout:write(("# flood: 5 MB in %.1f s, worst timer gap %.0f ms, RSS +%.0f MB\n"):format(
    (vim.uv.hrtime() - t0) / 1e9, worst, grew))
  -- Neovim's terminal itself pauses the loop ~130 ms at times under such a flood.
  H.ok(worst < 500, ("editor stalled %.0f ms"):format(worst))
  H.ok(grew < 300, ("memory grew %.0f MB"):format(grew))
  -- Nothing of `y` lines is prose: nothing was queued.
  H.eq(0, #sj.history(), "sentences from the flood")
end)

H.run()
