-- :SpeakJaFetch against a loopback hub (tests/hub_server.py): progress in the background,
-- cancel, resume, a bad hash refused, and the translator reloaded on the fetched model.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

-- The trained toy model, served as the pinned checkpoint's files at `rate` bytes/s.
local model = H.root .. "/tests/fixtures/nllb/trained"
local files = { "config.json", "tokenizer.json", "model.safetensors" }
-- The repo's voice, wherever models_dir points.
local voice = { voice = H.root .. "/models/voice/mei_normal.htsvoice", dictionary = H.root .. "/models/voice/naist-jdic" }

local function hub(rate)
  local port
  local proc = vim.system({ "python3", H.root .. "/tests/hub_server.py", model, tostring(rate) }, {
    stdin = true,
    stdout = function(_, data)
      port = port or (data and data:match("(%d+)"))
    end,
  })
  H.wait(5000, function()
    return port ~= nil
  end, "hub started")
  return "http://127.0.0.1:" .. port, proc
end

local function pins(dir, wrong)
  local lines = { "repo facebook/nllb-200-distilled-600M", "revision " .. ("0"):rep(40) }
  for _, f in ipairs(files) do
    local sha = vim.system({ "sha256sum", model .. "/" .. f }):wait().stdout:match("^(%x+)")
    sha = f == wrong and ("0"):rep(64) or sha
    table.insert(lines, ("file %s %d %s"):format(f, vim.fn.getfsize(model .. "/" .. f), sha))
  end
  local path = dir .. "/pins.txt"
  vim.fn.writefile(lines, path)
  return path
end

-- Each `User SpeakJaFetch` event's data to `fn`; returns the autocmd.
local function collect(fn)
  return vim.api.nvim_create_autocmd("User", {
    pattern = "SpeakJaFetch",
    callback = function(ev)
      fn(ev.data)
    end,
  })
end

-- Every `User SpeakJaFetch` event until one that ends the fetch.
local function events_until_end(seen, ms)
  H.wait(ms or 60000, function()
    local last = seen[#seen]
    return last and last.state ~= "progress"
  end, "the fetch ended")
  return seen[#seen]
end

H.test(":SpeakJaFetch shows progress, cancels, resumes, verifies, and reloads the translator", function()
  local models = H.tmpdir()
  local opts = H.opts({ models_dir = models, translator = { engine = "auto" }, audio = { sink = "null" }, tts = voice })
  sj.setup(opts)
  local seen, au = {}, nil
  au = collect(function(data)
    table.insert(seen, data)
  end)
  local url, proc = hub(400 * 1024)
  local pinfile = pins(models)
  local meter = H.gap_meter()
  -- Started, then cancelled partway: the .part stays for the next run.
  sj.fetch({ pins = pinfile, endpoint = url })
  H.wait(20000, function()
    return #seen > 0 and seen[#seen].bytes > 300 * 1024
  end, "progress")
  vim.cmd("SpeakJaFetch cancel")
  local ended = events_until_end(seen, 10000)
  H.eq("cancelled", ended.state, "cancelled: " .. vim.inspect(ended))
  local part = models .. "/nllb-200-distilled-600M/model.safetensors.part"
  local kept = vim.fn.getfsize(part)
  H.ok(kept > 0, "the part stays: " .. kept)
  -- Again: it resumes where it stopped and completes.
  seen = {}
  sj.fetch({ pins = pinfile, endpoint = url })
  ended = events_until_end(seen)
  local worst = meter()
  H.eq("done", ended.state, vim.inspect(ended))
  local progress = vim.tbl_filter(function(e)
    return e.state == "progress"
  end, seen)
  H.ok(#progress >= 2, "progress events: " .. #progress)
  H.ok(progress[1].bytes >= kept, ("resumed at %d, first progress %d"):format(kept, progress[1].bytes))
  H.ok(progress[#progress].rate > 0 and progress[#progress].total == ended.total, vim.inspect(progress[#progress]))
  H.eq(-1, vim.fn.getfsize(part), "no part left")
  -- A 10 ms timer: never more than 20 ms late.
  io.stdout:write(("\n# fetch: %d progress events, resumed at %d bytes, a 10 ms timer at most %.0f ms late\n"):format(
    #progress, kept, worst - 10))
  H.ok(worst - 10 <= 20, ("the timer was %.0f ms late"):format(worst - 10))
  -- The translator came back on the fetched model (it loads on the first sentence).
  sj.speak("Hello.")
  H.wait(30000, function()
    local t = sj.status().parts.translator
    return t and t.detail:find("nllb", 1, true)
  end, "translator reloaded on the model")
  vim.api.nvim_del_autocmd(au)
  proc:kill(15)
end)

H.test("a file whose SHA-256 is not the pinned one is refused and never moved into place", function()
  local models = H.tmpdir()
  sj.setup(H.opts({ models_dir = models, audio = { sink = "null" }, tts = voice }))
  local seen, au = {}, nil
  au = collect(function(data)
    table.insert(seen, data)
  end)
  local url, proc = hub(50 * 1024 * 1024)
  sj.fetch({ pins = pins(models, "tokenizer.json"), endpoint = url })
  local ended = events_until_end(seen)
  H.eq("failed", ended.state, vim.inspect(ended))
  H.ok(ended.msg:find("SHA%-256"), ended.msg)
  H.eq(-1, vim.fn.getfsize(models .. "/nllb-200-distilled-600M/tokenizer.json"), "nothing moved into place")
  vim.api.nvim_del_autocmd(au)
  proc:kill(15)
end)

H.run()
