-- Auto-speak on the recordings of one Claude Code release (see claude_cases.lua):
-- SPEAKJA_CLAUDE_VERSION names its folder in tests/fixtures/claude/; SPEAKJA_CLAUDE_TRANSCRIPT=1
-- replays those that kept their session file with it. tests/nvim/run.sh runs one per release.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
dofile(H.root .. "/tests/nvim/claude_cases.lua")(H, assert(vim.env.SPEAKJA_CLAUDE_VERSION), vim.env.SPEAKJA_CLAUDE_TRANSCRIPT == "1")
