-- lazy.nvim runs this file after install and update: `make install` puts the native library
-- in place (the release's prebuilt one for this machine when the plugin is at a release tag,
-- e.g. with lazy's `version = "*"`; else built from source) and fetches the voice. Without
-- make, the same two scripts run directly. lazy runs it in a coroutine: yielding while they
-- run keeps the UI responsive, and each yielded line shows as progress.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local tail, shown, result = {}, nil, nil

-- Output callbacks run on the event loop; they only record lines.
local function record(_, data)
  for line in (data or ""):gmatch("[^\r\n]+") do
    table.insert(tail, line)
    if #tail > 20 then
      table.remove(tail, 1)
    end
  end
end

local cmd = vim.fn.executable("make") == 1 and { "make", "-C", root, "install" }
  or { "bash", "-c", 'scripts/install && scripts/fetch-voice' }
vim.system(cmd, { cwd = root, stdout = record, stderr = record }, function(out)
  result = out
end)
while not result do
  local line = tail[#tail]
  -- lazy logs every message it is given; nil just hands control back.
  coroutine.yield(line ~= shown and line or nil)
  shown = line
end
if result.code ~= 0 then
  error(("speakja build failed (%s):\n"):format(table.concat(cmd, " ")) .. table.concat(tail, "\n"))
end
