-- `:SpeakJaFetch`: the NLLB model, downloaded in the background with progress, from inside
-- Neovim. The download itself is scripts/fetch-model (one implementation: pins, size caps,
-- stall timeout, resume, SHA-256 before anything is moved into place); this module runs it
-- as a job, watches its `.part` files grow for progress, and reloads the translator when it
-- is done. Each change is a `User SpeakJaFetch` autocmd whose data is
-- `{ state = "progress" | "done" | "failed" | "cancelled", file, bytes, total, rate, eta, msg }`,
-- and a message (one notification, replaced in place where the notifier can).
local M = {}

local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
local job -- the fetch under way: { proc, timer, ... }

-- Pinned files and their sizes, from the pins file the script reads.
local function pinned(pins)
  local files, total, repo = {}, 0, nil
  for _, line in ipairs(vim.fn.readfile(pins)) do
    local kind, a, b = line:match("^(%S+)%s+(%S+)%s*(%S*)")
    if kind == "repo" then
      repo = a
    elseif kind == "file" then
      local size = tonumber(b) or 0
      table.insert(files, { name = a, size = size })
      total = total + size
    end
  end
  return files, total, repo
end

local function human(bytes)
  if bytes >= 2 ^ 30 then
    return ("%.2f GB"):format(bytes / 2 ^ 30)
  end
  return ("%.1f MB"):format(bytes / 2 ^ 20)
end

local function tell(data)
  local msg
  if data.state == "progress" then
    local eta = data.eta and ("%d s left"):format(data.eta) or "…"
    msg = ("fetching %s: %s of %s, %s/s, %s"):format(data.file or "model", human(data.bytes), human(data.total),
      human(data.rate or 0), eta)
  elseif data.state == "done" then
    msg = "model fetched into " .. data.dir .. "; translator reloaded"
  else
    msg = ("model fetch %s%s"):format(data.state, data.msg and (": " .. data.msg) or "")
  end
  local level = data.state == "failed" and vim.log.levels.ERROR or vim.log.levels.INFO
  vim.notify("speakja: " .. msg, level, { title = "speakja", id = "speakja-fetch", replace = "speakja-fetch" })
  vim.api.nvim_exec_autocmds("User", { pattern = "SpeakJaFetch", modeline = false, data = data })
end

-- Bytes on disk now: whole files already in place, and the `.part` being written.
local function bytes_done(dir, files)
  local n = 0
  for _, f in ipairs(files) do
    local whole = vim.uv.fs_stat(dir .. "/" .. f.name)
    local part = vim.uv.fs_stat(dir .. "/" .. f.name .. ".part")
    n = n + (whole and whole.size or part and part.size or 0)
  end
  return n
end

local function finish(state, msg)
  local j = job
  if not j then
    return
  end
  job = nil
  j.timer:stop()
  j.timer:close()
  local data = { state = state, msg = msg, dir = j.dir, bytes = bytes_done(j.dir, j.files), total = j.total }
  if state == "done" then
    -- The translator is loaded once per setup(): a new one finds the model.
    local ok, err = pcall(require("speakja").reload)
    if not ok then
      data.state, data.msg = "failed", "fetched, but the translator did not reload: " .. tostring(err)
    end
  end
  tell(data)
end

--- Start fetching (`opts.pins`: another pins file; `opts.models_dir`: where models go;
--- `opts.endpoint`: another hub, as HF_ENDPOINT). Returns false when one is under way.
function M.start(opts)
  opts = opts or {}
  if job then
    vim.notify("speakja: a model fetch is already under way (:SpeakJaFetch cancel)", vim.log.levels.WARN)
    return false
  end
  local pins = opts.pins or (root .. "/scripts/pins/nllb-200-distilled-600M.txt")
  local files, total, repo = pinned(pins)
  local models = opts.models_dir or (root .. "/models")
  local dir = models .. "/" .. (repo or ""):gsub("^.*/", "")
  local env = { SPEAKJA_MODELS = models }
  if opts.endpoint then
    env.HF_ENDPOINT = opts.endpoint
  end
  local errors = {}
  local j = { dir = dir, files = files, total = total, timer = vim.uv.new_timer(), file = nil }
  job = j
  local last = { at = vim.uv.hrtime(), bytes = bytes_done(dir, files) }
  local rate = 0
  -- Output lines name the file being fetched; errors are kept for the message.
  local function on_line(err_stream)
    return function(_, data)
      for line in (data or ""):gmatch("[^\r\n]+") do
        if err_stream then
          table.insert(errors, (line:gsub("^fetch%-model: ", "")))
        else
          j.file = line:match("^(%S+)") or j.file
        end
      end
    end
  end
  -- `detach`: the script and its curl in a process group of their own, stopped together.
  j.proc = vim.system({ root .. "/scripts/fetch-model", pins }, {
    env = env,
    detach = true,
    stdout = on_line(false),
    stderr = on_line(true),
  }, vim.schedule_wrap(function(res)
    if job ~= j then
      return
    end
    if j.cancelled then
      finish("cancelled", "run :SpeakJaFetch again to resume")
    elseif res.code == 0 then
      finish("done")
    else
      finish("failed", errors[#errors] or ("fetch-model exited " .. res.code))
    end
  end))
  -- Progress from the files themselves, twice a second: the editor never waits on the job.
  j.timer:start(500, 500, vim.schedule_wrap(function()
    if job ~= j then
      return
    end
    local now, bytes = vim.uv.hrtime(), bytes_done(dir, files)
    local dt = (now - last.at) / 1e9
    if dt > 0 then
      rate = 0.7 * rate + 0.3 * math.max(0, bytes - last.bytes) / dt
    end
    last = { at = now, bytes = bytes }
    local eta = rate > 0 and math.floor((total - bytes) / rate) or nil
    tell({ state = "progress", file = j.file, bytes = bytes, total = total, rate = rate, eta = eta, dir = dir })
  end))
  return true
end

--- Stop the fetch under way; its `.part` stays, and the next fetch resumes it.
function M.cancel()
  if not job then
    return false
  end
  job.cancelled = true
  -- The whole group: the script, and the curl writing the file.
  pcall(vim.uv.kill, -job.proc.pid, "sigterm")
  return true
end

function M.running()
  return job ~= nil
end

return M
