-- build.lua as lazy.nvim runs it: in a coroutine that must yield while make runs.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")

-- A stand-in `make` first on PATH (the real one would run cargo), printing `lines`.
local function with_fake_make(lines, code, fn)
  local bin = H.tmpdir()
  local script = { "#!/bin/sh" }
  for _, l in ipairs(lines) do
    table.insert(script, ("echo '%s'; sleep 0.1"):format(l))
  end
  table.insert(script, "exit " .. code)
  vim.fn.writefile(script, bin .. "/make")
  vim.fn.setfperm(bin .. "/make", "rwxr-xr-x")
  local path = vim.env.PATH
  vim.env.PATH = bin .. ":" .. path
  local ok, err = pcall(fn)
  vim.env.PATH = path
  assert(ok, err)
end

-- Drive build.lua like lazy's task runner: resume on each loop turn, collect messages.
local function run_build()
  local co = coroutine.create(assert(loadfile(H.root .. "/build.lua")))
  local msgs, resumes = {}, 0
  while coroutine.status(co) == "suspended" do
    local ok, msg = coroutine.resume(co)
    if not ok then
      return false, msg, msgs, resumes
    end
    resumes = resumes + 1
    table.insert(msgs, msg)
    vim.wait(10)
  end
  return true, nil, msgs, resumes
end

H.test("build.lua yields progress while make runs, never blocking", function()
  with_fake_make({ "compiling speakja", "voice ready" }, 0, function()
    local stop = H.gap_meter()
    local ok, err, msgs, resumes = run_build()
    H.ok(ok, tostring(err))
    H.ok(resumes > 5, "yielded while make ran: " .. resumes)
    H.eq({ "compiling speakja", "voice ready" }, msgs, "each new line once")
    H.ok(stop() < 100, "event loop kept turning")
  end)
end)

H.test("build.lua fails with make's last lines", function()
  with_fake_make({ "error: linker not found" }, 2, function()
    local ok, err = run_build()
    H.ok(not ok and err:find("linker not found", 1, true), tostring(err))
  end)
end)

H.run()
