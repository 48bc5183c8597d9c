-- lazy.nvim runs this file after install and update: `make build voice` builds the native
-- library and fetches the voice. lazy runs it in a coroutine: yielding while make runs
-- keeps the UI responsive, and each yielded line shows as progress.
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

vim.system({ "make", "-C", root, "build", "voice" }, { stdout = record, stderr = record }, function(out)
  result = out
end)
while not result do
  local line = tail[#tail]
  -- lazy logs every message it is given; nil just hands control back.
  coroutine.yield(line ~= shown and line or nil)
  shown = line
end
if result.code ~= 0 then
  error("speakja build failed (make build voice):\n" .. table.concat(tail, "\n"))
end
