-- Path options: `~`, `$VAR` and relative paths mean what they mean in Neovim.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

local function speak_one()
  local n = #sj.history()
  sj.speak("パスのテストです。")
  H.wait(20000, function()
    return #sj.history() == n + 1 and H.finished()
  end, "spoken")
  return sj.history()[n + 1]
end

H.test("~ and $VAR in path options expand to that HOME", function()
  local home, old = H.tmpdir(), vim.env.HOME
  vim.env.HOME = home
  vim.env.SPEAKJA_SPEC_DIR = home .. "/env"
  vim.uv.fs_symlink(H.root .. "/models/voice", home .. "/v")
  local ok, err = pcall(function()
    sj.setup({
      translator = { engine = "none" },
      tts = { voice = "~/v/mei_normal.htsvoice", dictionary = "~/v/naist-jdic" },
      audio = { sink = "wav", wav_dir = "~/wavs" },
      cache = { dir = "$SPEAKJA_SPEC_DIR/cache" },
      ui = { float = false },
    })
    local e = speak_one()
    H.eq("done", e.status, "status (" .. tostring(e.error) .. ")")
    H.eq(1, #H.wavs(home .. "/wavs"), "WAV under the new HOME")
    H.ok(#vim.fn.glob(home .. "/env/cache/**", false, true) > 0, "cache under $SPEAKJA_SPEC_DIR")
  end)
  vim.env.HOME = old
  assert(ok, err)
end)

H.test("relative paths are relative to Neovim's current directory", function()
  local dir, cwd = H.tmpdir(), vim.fn.getcwd()
  vim.cmd.cd(dir)
  local ok, err = pcall(function()
    sj.setup({ translator = { engine = "none" }, audio = { sink = "wav", wav_dir = "out/wavs" }, ui = { float = false } })
    vim.cmd.cd(cwd) -- the directory at setup() counts, not a later one
    speak_one()
    H.eq(1, #H.wavs(dir .. "/out/wavs"), "WAV under the directory of setup()")
  end)
  vim.cmd.cd(cwd)
  assert(ok, err)
end)

-- `cache.dir = "."` or an audio.wav_dir that is the user's own folder: the plugin never
-- chmods or fills a directory it did not make (issue #21).
H.test("a directory the plugin did not make is refused, and left as it was", function()
  local theirs = H.tmpdir()
  vim.fn.writefile({ "mine" }, theirs .. "/notes.txt")
  vim.uv.fs_chmod(theirs, tonumber("2775", 8))
  local mode = vim.uv.fs_stat(theirs).mode
  sj.setup({ translator = { engine = "none" }, audio = { sink = "wav", wav_dir = theirs }, cache = { dir = theirs },
    ui = { float = false } })
  local e = speak_one()
  H.eq("failed", e.status, "nowhere to write the WAV")
  H.ok(e.error:find("not made by speakja", 1, true) or e.error:find("open to other users", 1, true), e.error)
  H.eq(mode, vim.uv.fs_stat(theirs).mode, "mode untouched")
  H.eq({ "notes.txt" }, vim.fn.readdir(theirs), "nothing written into it")
  local ok, err = pcall(sj.setup, { cache = { dir = "" } })
  H.ok(not ok and err:find("cache.dir", 1, true), tostring(err))
  ok, err = pcall(sj.setup, { audio = { wav_dir = "" } })
  H.ok(not ok and err:find("wav_dir", 1, true), tostring(err))
end)

H.run()
