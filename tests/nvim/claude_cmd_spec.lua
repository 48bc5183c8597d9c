-- :SpeakJaClaude: Claude Code started by the plugin tells it its session file through a
-- SessionStart hook given with --settings. tests/fake_claude.py stands in for claude: it runs
-- the hook as Claude Code does, then replays a recording and its session file.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local R = dofile(H.root .. "/tests/nvim/replay.lua")
local sj = require("speakja")

H.test(":SpeakJaClaude follows its session by the hook and hears what was said", function()
  local casts = vim.fn.glob(H.root .. "/tests/fixtures/claude/2.1.332/*.transcript-times.json", false, true)
  H.ok(#casts > 0, "a recording with its session file")
  local cast = casts[1]:gsub("%.transcript%-times%.json$", ".cast")
  sj.setup(H.opts({
    audio = { sink = "null" },
    tts = { speed = 4 },
    auto = { patterns = { "fake_claude" }, max_backlog_s = 3600, interrupt_on_prompt = false },
  }))
  local config = H.tmpdir()
  local done = false
  -- A window of the recording's size, as Claude Code drew it.
  dofile(H.root .. "/tests/nvim/cast_window.lua")(cast)
  local buf = sj.claude({ cast, config }, { program = H.root .. "/tests/fake_claude.py", split = false })
  local job = vim.bo[buf].channel
  vim.api.nvim_create_autocmd("TermClose", { buffer = buf, once = true, callback = function() done = true end })
  H.wait(120000, function()
    return done
  end, "replay " .. cast .. " (job " .. job .. ")")
  vim.wait(1500)
  local src = sj.status().sources[1]
  local heard = vim.tbl_map(function(e)
    return e.source
  end, vim.tbl_filter(function(e)
    return e.status ~= "dropped"
  end, sj.history()))
  sj.stop()
  H.eq("hook", src.found_by, "how the session file was found")
  local expected = R.expected(cast, true)
  H.eq(expected, heard, "heard")
  H.eq({}, vim.fn.glob(vim.fn.stdpath("run") .. "/speakja/hook-*", false, true), "hook files left")
end)

H.run()
