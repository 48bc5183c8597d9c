-- :checkhealth speakja
local M = {}

function M.check()
  local h = vim.health
  h.start("speakja")
  if vim.fn.has("nvim-0.11") == 1 then
    h.ok("Neovim " .. tostring(vim.version()))
  else
    h.error("Neovim " .. tostring(vim.version()) .. " is too old", { "speakja needs Neovim 0.11 or newer" })
    return
  end

  local sj = require("speakja")
  local ok, checks, version = pcall(sj._health)
  if not ok then
    h.error("health check failed: " .. tostring(checks))
    return
  end
  -- `_health` returns nil and the reason only when the library could not be loaded.
  if checks == nil then
    h.error("native library not loaded: " .. tostring(version), { "build it: run `make` in " .. sj._root })
    return
  end
  h.ok("native library " .. version .. " loaded")
  -- What `make build` or scripts/install wrote beside the library (key=value lines).
  local record = {}
  local path = sj._root .. "/lua/speakja_native.build"
  for _, line in ipairs(vim.fn.filereadable(path) == 1 and vim.fn.readfile(path, "", 50) or {}) do
    local k, v = line:match("^([%w_]+)=(.*)$")
    if k then
      record[k] = v
    end
  end
  if record.gpu_failed then
    h.warn(("the %s build failed (%s): the library was built for the CPU"):format(record.gpu_failed, record.why or "?"),
      { "fix the cause, then run `" .. (record.retry or "make build") .. "` in " .. sj._root })
  elseif record.source == "release" then
    h.ok(("prebuilt library %s for %s"):format(record.version or "?", record.target or "?"))
  end
  for _, c in ipairs(checks) do
    local advice = c.advice ~= vim.NIL and c.advice or nil
    h[c.level](c.msg, advice and { advice } or nil)
  end
end

return M
