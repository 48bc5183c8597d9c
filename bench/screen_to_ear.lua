-- Driver of bench/screen_to_ear.py: replays real Claude Code recordings into a :terminal at
-- their own pace, with auto-speak on, the NLLB 600M shape (random weights, decode length
-- forced) and the offline voice on the default sound device, and writes, per sentence heard,
-- when it was drawn, queued and what each stage took. Times are CLOCK_MONOTONIC ns
-- (vim.uv.hrtime), the clock the recorder of the sound server uses.
--
--   nvim --headless -u NONE -i NONE -l bench/screen_to_ear.lua OUT.json MODEL_DIR SPECULATE CASE...
-- SPECULATE: 1 or 0 (`auto.speculate`).
-- where CASE is CAST_PATH:file or CAST_PATH:screen (with the session file, or screen only).
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.rtp:prepend(root)
vim.cmd("runtime plugin/speakja.lua")
local sj = require("speakja")
local R = dofile(root .. "/tests/nvim/replay.lua")
R.SPEED = 1

local out_path, model, speculate = arg[1], arg[2], arg[3] == "1"
local tmp = vim.fn.tempname()

-- Letters and digits only: how a sentence is found among the rows drawn.
local function key(s)
  return (s:lower():gsub("[^%w]", ""))
end

-- When the cast's prompts were sent ("\r" typed), on the cast's clock.
local function submits(cast)
  local out = {}
  for line in io.lines(cast) do
    local t, data = line:match('^%[([%d.]+),%s*"i",%s*"(.*)"%]$')
    if t and data:find("\\r", 1, true) then
      table.insert(out, tonumber(t))
    end
  end
  return out
end

-- The first "o" event's time on the cast's clock: the replay's first draw.
local function first_output(cast)
  for line in io.lines(cast) do
    local t = line:match('^%[([%d.]+),%s*"o"')
    if t then
      return tonumber(t)
    end
  end
end

local function run_case(cast, with_file)
  sj.setup({
    translator = { engine = "nllb", model = model, load = "startup" },
    audio = { sink = "device" },
    cache = { enabled = false },
    ui = { float = false },
    -- The defaults otherwise: a prompt silences what is still said (the recordings send
    -- the next one far sooner than anyone listens), so a turn's first sentence never waits
    -- for the last turn's speech; what that cuts is counted as not spoken.
    auto = { patterns = { "replay_cast", "replay_tx" }, speculate = speculate },
  })
  -- The model and the voice are loaded before the replay starts, as in a session in use.
  vim.wait(120000, function()
    local s = sj.status()
    return s.parts and s.parts.translator and s.parts.voice and s.parts.audio and true
  end, 50)
  local draws, entries, seen = {}, {}, {}
  local poll = vim.uv.new_timer()
  poll:start(2, 2, vim.schedule_wrap(function()
    local now = vim.uv.hrtime()
    for _, e in ipairs(sj.history()) do
      if not seen[e.id] then
        seen[e.id] = true
        table.insert(entries, { id = e.id, queued_ns = now })
      end
    end
  end))
  local config_dir = with_file and (tmp .. "/claude-" .. vim.fn.fnamemodify(cast, ":t:r")) or nil
  R.play(root, cast, function(b, first, last_new)
    local now = vim.uv.hrtime()
    local rows = vim.api.nvim_buf_get_lines(b, first, last_new, false)
    table.insert(draws, { now, key(table.concat(rows, "")) })
  end, nil, config_dir)
  -- Everything queued is spoken (or dropped) before the next case.
  vim.wait(60000, function()
    local finished = { done = true, stopped = true, dropped = true, failed = true }
    for _, e in ipairs(sj.history()) do
      if not finished[e.status] then
        return false
      end
    end
    return true
  end, 20)
  poll:stop()
  poll:close()
  local by_id = {}
  for _, e in ipairs(sj.history()) do
    by_id[e.id] = e
  end
  local sentences = {}
  local from = 1
  for _, q in ipairs(entries) do
    local e = by_id[q.id]
    if e then
      -- Drawn: the first change whose rows hold the sentence's end, after the last one found.
      local tail = key(e.source)
      tail = tail:sub(math.max(1, #tail - 15))
      local drawn
      for i = from, #draws do
        if #tail > 0 and draws[i][2]:find(tail, 1, true) and draws[i][1] <= q.queued_ns then
          drawn, from = draws[i][1], i
          break
        end
      end
      table.insert(sentences, {
        source = e.source,
        status = e.status,
        drawn_ns = drawn,
        queued_ns = q.queued_ns,
        timings = e.timings_ms,
      })
    end
  end
  local first, t0 = first_output(cast), draws[1] and draws[1][1]
  local turns = vim.tbl_map(function(t)
    return t0 + (t - first) * 1e9
  end, submits(cast))
  local speculation = sj.status().speculation
  sj.stop()
  return { cast = cast, file = with_file, sentences = sentences, turns_ns = turns, speculation = speculation }
end

local results = {}
for i = 4, #arg do
  local cast, how = arg[i]:match("^(.*):(%a+)$")
  local ok, r = pcall(run_case, cast, how == "file")
  if ok then
    table.insert(results, r)
  else
    io.stderr:write(cast .. ": " .. tostring(r) .. "\n")
  end
end
vim.fn.writefile({ vim.json.encode(results) }, out_path)
vim.fn.delete(tmp, "rf")
vim.cmd("qa!")
