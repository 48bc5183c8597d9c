-- Bad input and bad options: clear messages, Neovim stays up.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

H.test("bad options are clear errors naming the option", function()
  local ok, err = pcall(sj.setup, { tts = { voise = "x" } })
  H.ok(not ok and err:find("voise"), tostring(err))
  ok, err = pcall(sj.setup, { audio = { sink = 3 } })
  H.ok(not ok and err:find("audio.sink"), tostring(err))
  ok, err = pcall(sj.setup, { audio = { sink = "wav" } })
  H.ok(not ok and err:find("wav_dir"), tostring(err))
  ok, err = pcall(sj.setup, "loud")
  H.ok(not ok and err:find("table"), tostring(err))
  ok, err = pcall(sj.setup, { on_done = function() end })
  H.ok(not ok and err:find("plain values"), tostring(err))
  -- Empty nested tables are fine.
  sj.setup({ tts = {}, audio = { sink = "null" } })
end)

H.test("native functions with wrong types return errors, never crash", function()
  local native = require("speakja_native")
  for _, arg in ipairs({ {}, { 1, 2 }, 42, true, { a = { b = 1 } } }) do
    local r = native.speak(arg)
    H.eq(false, r.ok, "speak(" .. vim.inspect(arg) .. ")")
    r = native.setup(arg)
    H.eq(false, r.ok, "setup(" .. vim.inspect(arg) .. ")")
  end
  H.eq(false, native.setup("{not json").ok, "setup with broken json")
  H.eq(false, native.speak(nil).ok, "speak(nil)")
  H.eq(true, native.health(nil).ok, "health(nil)")
end)

H.test("every native function survives any Lua value", function()
  local native = require("speakja_native")
  sj.setup(H.opts({ audio = { sink = "null" } }))
  local timer = vim.uv.new_timer()
  -- A table nested far deeper than a recursive conversion's stack allows (it crashed
  -- Neovim from 30,000 levels).
  local deep = {}
  for _ = 1, 200000 do
    deep = { deep }
  end
  local odd = {
    deep,
    vim.NIL,
    timer,
    coroutine.create(function() end),
    { vim.NIL },
    { [{}] = 1 },
    { [true] = "x" },
    { a = { b = vim.NIL } },
    io.stdout,
  }
  for name, fn in pairs(native) do
    if type(fn) == "function" then
      for _, arg in ipairs(odd) do
        local ok, r = pcall(fn, arg)
        if not (ok and type(r) == "table") then
          local what = arg == deep and "a table 200,000 levels deep" or vim.inspect(arg)
          error(name .. "(" .. what .. ") -> " .. vim.inspect(r))
        end
      end
    end
  end
  timer:close()
  local huge = native.sentences(("a "):rep(1024 * 1024))
  H.ok(not huge.ok and huge.err:find("too long"), vim.inspect(huge.err))
  -- Still alive, and the plugin still works.
  sj.setup(H.opts({ audio = { sink = "null" } }))
  H.eq(1, vim.fn.eval("1"), "Neovim answers")
end)

H.test("empty, huge, binary and invalid UTF-8 text", function()
  sj.setup(H.opts())
  for _, text in ipairs({ "", "   \n\t ", "...", "\0\1\2" }) do
    local ok, err = pcall(sj.speak, text)
    H.ok(not ok and err:find("nothing to say"), vim.inspect(text) .. " -> " .. tostring(err))
  end
  local ok, err = pcall(sj.speak, ("a"):rep(1024 * 1024))
  H.ok(not ok and err:find("too long"), tostring(err))
  H.ok(pcall(sj.speak, "ok \255\254 はい。"), "invalid UTF-8 is decoded lossily")
  H.wait(20000, H.finished, "finished")
  local e = sj.history()[1]
  H.ok(e.status == "done" or e.status == "failed", "a status, not a crash: " .. e.status)
  -- A command never raises: it reports.
  local msgs = H.notified(function()
    vim.cmd("SpeakJa   ")
  end)
  H.ok(msgs[1] and msgs[1]:find("nothing to say"), vim.inspect(msgs))
end)

H.test("a full queue refuses more, with a message", function()
  sj.setup(vim.tbl_extend("force", H.opts(), { queue_size = 2 }))
  local ok, err = pcall(sj.speak, ("あ。"):rep(50))
  H.ok(ok, tostring(err))
  H.ok(#sj.history() < 50, "some were refused")
  sj.stop()
  H.wait(5000, H.finished, "finished")
end)

H.test("sink auto: a missing sound device is said once, a present one not at all", function()
  local msgs = H.notified(function()
    sj.setup(H.opts({ audio = { sink = "auto", wav_dir = vim.NIL } }))
    H.wait(10000, function()
      return sj.status().parts.audio ~= nil
    end, "audio opened")
    sj.speak("一つ目です。二つ目です。")
    H.wait(20000, H.finished, "spoken")
  end)
  local fell_back = sj.status().parts.audio.degraded ~= nil
  local said = vim.tbl_filter(function(m)
    return m:find("playing to the null sink", 1, true) ~= nil
  end, msgs)
  H.eq(fell_back and 1 or 0, #said, "messages: " .. vim.inspect(msgs))
end)

H.test(":checkhealth speakja reports every part", function()
  sj.setup(H.opts())
  vim.wait(500)
  vim.cmd("checkhealth speakja")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  for _, want in ipairs({ "native library", "worker threads are running", "loads and speaks", "speech engine in use",
    "translator", "audio output", "CC%-BY" }) do
    H.ok(text:find(want), "health mentions " .. want .. "\n" .. text)
  end
  H.ok(not text:find("ERROR"), "no errors with the voice in place\n" .. text)
end)

H.test(":checkhealth with only the online voice: the offline one, for terminal text, is a warning", function()
  sj.setup(H.opts({ tts = { engine = "google", voice = H.tmpdir() .. "/none.htsvoice" } }))
  vim.wait(500)
  vim.cmd("checkhealth speakja")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  H.ok(text:find("WARNING voice does not load") and text:find("none.htsvoice", 1, true), text)
  H.ok(not text:find("ERROR voice"), "a warning, not an error\n" .. text)
  sj.setup(H.opts({ tts = { engine = "google", voice = H.tmpdir() .. "/none.htsvoice" }, auto = { online = true } }))
  vim.wait(500)
  vim.cmd("checkhealth speakja")
  text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  H.ok(text:find("offline voice not used"), text)
  H.ok(not text:find("WARNING voice"), "no complaint about the offline voice\n" .. text)
end)

H.test("help tags are valid and cover every command and function", function()
  local dir = H.tmpdir()
  vim.fn.mkdir(dir .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(H.root .. "/doc/speakja.txt"), dir .. "/doc/speakja.txt")
  vim.cmd("helptags " .. dir .. "/doc") -- raises on duplicate tags
  local tags = table.concat(vim.fn.readfile(dir .. "/doc/tags"), "\n")
  for _, cmd in ipairs(vim.api.nvim_get_commands({})) do
    if cmd.name:match("^SpeakJa") then
      H.ok(tags:find(":" .. cmd.name .. "\t", 1, true), "documented: " .. cmd.name)
    end
  end
  for name, v in pairs(sj) do
    if type(v) == "function" and not name:match("^_") and name ~= "command" then
      H.ok(tags:find("speakja." .. name .. "()", 1, true), "documented: " .. name)
    end
  end
end)

H.test("help: every |link| resolves, no line is over 78 columns", function()
  local known = {}
  for _, file in ipairs({ H.root .. "/doc/speakja.txt", vim.env.VIMRUNTIME .. "/doc/tags" }) do
    for _, line in ipairs(vim.fn.readfile(file)) do
      for tag in line:gmatch("%*([^*%s]+)%*") do
        known[tag] = true
      end
      known[line:match("^([^\t]+)\t") or ""] = true
    end
  end
  local in_code = false
  for i, line in ipairs(vim.fn.readfile(H.root .. "/doc/speakja.txt")) do
    H.ok(vim.fn.strdisplaywidth(line) <= 78, ("line %d is over 78 columns: %s"):format(i, line))
    -- Code blocks run from a trailing `>` (or `>lang`) to `<` or an unindented line.
    if in_code and (line:match("^<") or line:match("^%S")) then
      in_code = false
    end
    if not in_code then
      for link in line:gsub("`[^`]*`", ""):gmatch("|([^|%s]+)|") do
        H.ok(known[link], ("line %d: |%s| is no tag"):format(i, link))
      end
    end
    in_code = in_code or line:match("%f[^%s]>%w*$") ~= nil or line:match("^>%w*$") ~= nil
  end
end)

-- nvim-oxi's strings are never freed: replies and arguments built from them leaked on every
-- call (status() ~700 B, and a statusline calls on every redraw). They cross by hand now.
H.test("native calls leak nothing: 100,000 status() calls grow RSS by < 5 MB", function()
  sj.setup(H.opts({ audio = { sink = "null" } }))
  local native = require("speakja_native")
  local function calls(n)
    for _ = 1, n do
      native.status()
      native.statusline()
      native.sentences("One sentence. And another one.")
    end
    collectgarbage()
    collectgarbage()
  end
  -- Warm up: the allocators settle their pools first.
  calls(200000)
  local before = H.rss_mb()
  calls(100000)
  local grown = H.rss_mb() - before
  io.stdout:write(("\n# 100,000 × (status, statusline, sentences): RSS %+.1f MB\n"):format(grown))
  H.ok(grown < 5, ("RSS grew %.1f MB"):format(grown))
end)

H.run()
