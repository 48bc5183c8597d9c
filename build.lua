-- lazy.nvim runs this file as the plugin's build step: `make` builds the native library
-- and fetches the voice.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local out = vim.system({ "make", "-C", root, "build", "voice" }, { text = true }):wait()
if out.code ~= 0 then
  error("speakja build failed:\n" .. (out.stderr or "") .. (out.stdout or ""))
end
print("speakja: built")
