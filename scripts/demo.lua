-- `make demo`: speak a sample through the plugin itself, in headless Neovim (only the
-- native library and the voice are needed, no Rust). Prints the history entry.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.rtp:prepend(root)
local sj = require("speakja")
local msgs = {}
vim.notify = function(m)
  table.insert(msgs, m)
end
-- Without a sound card, the speech lands here (made private by the plugin).
sj.setup({ ui = { float = false }, audio = { wav_dir = vim.fn.stdpath("state") .. "/speakja-demo" } })
sj.speak("こんにちは。speakja の準備ができました。")
vim.wait(60000, function()
  local h = sj.history()
  return #h > 0 and sj.status().pending == 0
end, 50)
local ok = true
for _, e in ipairs(sj.history()) do
  io.stdout:write(vim.json.encode(e) .. "\n")
  ok = ok and e.status == "done"
end
for _, m in ipairs(msgs) do
  io.stderr:write(m .. "\n")
end
os.exit(ok and #sj.history() > 0 and 0 or 1)
