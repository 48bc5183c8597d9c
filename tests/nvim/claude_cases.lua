-- Auto-speak on the real Claude Code: every recording of one version (tests/fixtures/claude/
-- <version>/) replayed into a real :terminal at twice its pace, scored: recall and precision
-- ≥ 0.99, no sentence heard twice, none heard in part. tests/auto_speak_casts.rs scores the
-- same recordings through the Rust filter alone, with the delay target. Run by
-- claude_<major>_spec.lua, one Neovim per version.
return function(H, major)
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
      if s == h and (not k or i < k) then
        k = i
      end
    end
    if k then
      left[k], hits = nil, hits + 1
    elseif vim.tbl_contains(expected, h) then
      repeats = repeats + 1
    else
      local stem = h:gsub("[.,:]+$", "")
      for _, s in ipairs(expected) do
        if s:find(stem, 1, true) then
          partials = partials + 1
          break
        end
      end
    end
  end
  return hits, repeats, partials
end

local versions = vim.fn.glob(H.root .. "/tests/fixtures/claude/" .. major .. ".*", false, true)
H.test("recordings of Claude Code " .. major .. ".x", function()
  H.eq(1, #versions, "versions")
end)

for _, dir in ipairs(versions) do
  local version = vim.fn.fnamemodify(dir, ":t")
  H.test("auto-speak Claude Code " .. version, function()
    local total = { expected = 0, heard = 0, hits = 0, repeats = 0, partials = 0 }
    local casts = vim.fn.glob(dir .. "/*.cast", false, true)
    H.ok(#casts >= 15, version .. ": " .. #casts .. " recordings")
    for _, cast in ipairs(casts) do
      local expected = R.expected(cast)
      sj.setup(H.opts({
        audio = { sink = "null" },
        tts = { speed = 4 },
        auto = { patterns = { "replay_cast" }, max_backlog_s = 3600, interrupt_on_prompt = false },
      }))
      R.play(H.root, cast)
      vim.wait(1500) -- the last lines settle, then are heard
      local heard = vim.tbl_map(function(e)
        return e.source
      end, sj.history())
      sj.stop()
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
      version, recall, precision, total.heard, total.expected, total.repeats, total.partials))
    H.ok(recall >= 0.99, ("recall %.3f"):format(recall))
    H.ok(precision >= 0.99, ("precision %.3f"):format(precision))
    H.eq(0, total.repeats, "repeated sentences")
    H.eq(0, total.partials, "partial sentences")
  end)
end

H.run()
end
