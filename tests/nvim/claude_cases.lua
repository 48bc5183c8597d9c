-- Auto-speak on the real Claude Code: every recording of one version (tests/fixtures/claude/
-- <version>/) replayed into a real :terminal at twice its pace, scored: recall and precision
-- ≥ 0.99, no sentence heard twice, none heard in part. With `transcript`, the recordings that
-- kept Claude Code's session file are replayed with it (written in sync into a stand-in for
-- ~/.claude that the job's CLAUDE_CONFIG_DIR names), and must reach 0.995: the plugin finds
-- the file itself, as it would for a user. tests/auto_speak_casts.rs scores the same
-- recordings through the Rust path alone, with the delay target. Run by tests/nvim/run.sh,
-- one Neovim per version and source.
return function(H, version, transcript)
local R = dofile(H.root .. "/tests/nvim/replay.lua")
R.SPEED = 2
local sj = require("speakja")

local function norm(s)
  return (s:gsub("[`*]", ""):gsub("%s+", " "))
end

-- Heard and expected, matched in order of hearing: hits, repeats and partial sentences.
local function score(expected, heard)
  local left, hits, repeats, partials = {}, 0, 0, 0
  for i, s in ipairs(expected) do
    left[i] = s
  end
  for _, h in ipairs(heard) do
    local k
    for i, s in pairs(left) do
      if R.is(s, h) and (not k or i < k) then
        k = i
      end
    end
    if k then
      left[k], hits = nil, hits + 1
    elseif #vim.tbl_filter(function(s)
      return R.is(s, h)
    end, expected) > 0 then
      repeats = repeats + 1
    else
      local stem = h:gsub("[.,:]+$", "")
      for _, s in ipairs(vim.iter(expected):flatten():totable()) do
        if s:find(stem, 1, true) then
          partials = partials + 1
          break
        end
      end
    end
  end
  return hits, repeats, partials
end

local dir = H.root .. "/tests/fixtures/claude/" .. version
do
  local label = version .. (transcript and " with its session file" or "")
  H.test("auto-speak Claude Code " .. label, function()
    local total = { expected = 0, heard = 0, hits = 0, repeats = 0, partials = 0, prepared = 0, used = 0 }
    local casts = vim.fn.glob(dir .. "/*.cast", false, true)
    if transcript then
      casts = vim.tbl_filter(function(c)
        return vim.fn.filereadable((c:gsub("%.cast$", ".transcript-times.json"))) == 1
      end, casts)
      H.ok(#casts >= 1, version .. ": " .. #casts .. " recordings with a session file")
    else
      -- A release added for what it changed (2.1.337: its interrupt row) may hold two.
      H.ok(#casts >= 2, version .. ": " .. #casts .. " recordings")
    end
    for _, cast in ipairs(casts) do
      local expected = R.expected(cast, transcript)
      sj.setup(H.opts({
        audio = { sink = "null" },
        tts = { speed = 4 },
        auto = { patterns = { "replay_cast", "replay_tx" }, max_backlog_s = 3600, interrupt_on_prompt = false },
      }))
      local config_dir = transcript and vim.fn.tempname() or nil
      local source
      R.play(H.root, cast, nil, nil, config_dir)
      vim.wait(1500) -- the last lines settle, then are heard
      local heard = vim.tbl_map(function(e)
        return e.source
      end, vim.tbl_filter(function(e)
        return e.status ~= "dropped"
      end, sj.history()))
      local status = sj.status()
      source = status.sources[1]
      total.prepared = total.prepared + status.speculation.prepared
      total.used = total.used + status.speculation.used
      sj.stop()
      if config_dir then
        vim.fn.delete(config_dir, "rf")
        H.ok(source and source.transcript ~= vim.NIL and source.transcript ~= nil, cast .. ": no session file followed")
      end
      local hits, repeats, partials = score(expected, heard)
      io.stdout:write(("# %s %-24s heard %2d, expected %2d, hits %2d, repeats %d, partials %d\n"):format(
        version, vim.fn.fnamemodify(cast, ":t:r"), #heard, #expected, hits, repeats, partials))
      if hits ~= #expected or #heard ~= #expected then
        io.stdout:write("#   heard " .. vim.inspect(heard) .. "\n#   want  " .. vim.inspect(expected) .. "\n")
      end
      total.expected, total.heard = total.expected + #expected, total.heard + #heard
      total.hits, total.repeats, total.partials = total.hits + hits, total.repeats + repeats, total.partials + partials
    end
    local recall = total.hits / math.max(total.expected, 1)
    local precision = total.heard == 0 and 1 or total.hits / total.heard
    io.stdout:write(("# Claude Code %s in Neovim: recall %.3f precision %.3f (%d heard, %d expected), repeats %d, partials %d\n"):format(
      label, recall, precision, total.heard, total.expected, total.repeats, total.partials))
    io.stdout:write(("# work ahead (auto.speculate): %d sentences prepared, %d of them heard\n"):format(
      total.prepared, total.used))
    -- Speculation is on by default: the scores above are with it. On the screen alone every
    -- sentence waits `stable_ms`, so work ahead must have been used.
    if not transcript then
      H.ok(total.used > 0, "no sentence was prepared ahead and then heard")
    end
    local floor = transcript and 0.995 or 0.99
    H.ok(recall >= floor, ("recall %.3f"):format(recall))
    H.ok(precision >= floor, ("precision %.3f"):format(precision))
    H.eq(0, total.repeats, "repeated sentences")
    H.eq(0, total.partials, "partial sentences")
  end)
end

H.run()
end
