-- Commands only; everything else loads on first use.
if vim.g.loaded_speakja then
  return
end
vim.g.loaded_speakja = true

local function cmd(name, action, opts)
  vim.api.nvim_create_user_command(name, function(a)
    require("speakja").command(action, a)
  end, opts)
end

cmd("SpeakJa", "speak", { nargs = "*", range = true, desc = "Speak the selection, range or text in Japanese" })
cmd("SpeakJaStop", "stop", { desc = "Stop speaking and drop the queue" })
cmd("SpeakJaSkip", "skip", { desc = "Skip the sentence being spoken" })
cmd("SpeakJaAuto", "auto", {
  nargs = "?",
  complete = function()
    return { "on", "off", "toggle" }
  end,
  desc = "Auto-speak this terminal (Claude Code): on, off or toggle",
})
