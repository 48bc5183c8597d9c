-- Commands only; everything else loads on first use.
if vim.g.loaded_speakja then
  return
end
vim.g.loaded_speakja = true
-- Older versions get one message and no commands (see lua/speakja/init.lua).
if vim.fn.has("nvim-0.11") == 0 then
  require("speakja")._supported()
  return
end

local function cmd(name, action, opts)
  vim.api.nvim_create_user_command(name, function(a)
    require("speakja").command(action, a)
  end, opts)
end

cmd("SpeakJa", "speak", { nargs = "*", range = true, desc = "Speak the selection, range or text in Japanese" })
cmd("SpeakJaStop", "stop", { desc = "Stop speaking and drop the queue" })
cmd("SpeakJaSkip", "skip", { desc = "Skip the sentence being spoken" })
cmd("SpeakJaAuto", "auto", {
  nargs = "*",
  complete = function()
    return { "on", "off", "toggle", "debug", "record", "record stop" }
  end,
  desc = "Auto-speak this terminal (Claude Code): on, off, toggle, debug, record [file], record stop",
})
cmd("SpeakJaClaude", "claude", {
  nargs = "*",
  desc = "Start Claude Code in a terminal split and auto-speak it (arguments go to claude)",
})
cmd("SpeakJaFetch", "fetch", {
  nargs = "?",
  complete = function()
    return { "cancel" }
  end,
  desc = "Download the translation model in the background (cancel: stop; run again to resume)",
})
cmd("SpeakJaHistory", "history", { desc = "Open the history of what was spoken" })
cmd("SpeakJaCache", "cache", {
  nargs = 1,
  complete = function()
    return { "clear" }
  end,
  desc = "Manage the speech cache: clear",
})

-- No default keys: map these, e.g. vim.keymap.set({ "n", "x" }, "gs", "<Plug>(speakja)")
vim.keymap.set("n", "<Plug>(speakja)", function()
  return require("speakja").operator()
end, { expr = true, desc = "Speak the text of a motion in Japanese" })
vim.keymap.set("n", "<Plug>(speakja-line)", function()
  return require("speakja").operator() .. "_"
end, { expr = true, desc = "Speak the current line in Japanese" })
vim.keymap.set("x", "<Plug>(speakja)", ":SpeakJa<CR>", { silent = true, desc = "Speak the selection in Japanese" })
