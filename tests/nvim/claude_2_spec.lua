-- Auto-speak on recordings of the real Claude Code 2.x (see claude_cases.lua).
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
dofile(H.root .. "/tests/nvim/claude_cases.lua")(H, "2")
