-- :SpeakJa end to end: real library, real worker, real voice, WAV sink.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

H.test("visual selection of two English sentences gives two WAV files of speech", function()
  local opts, dir = H.opts()
  sj.setup(opts)
  local seen = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "SpeakJaDone",
    callback = function(ev)
      table.insert(seen, ev.data.source)
    end,
  })
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "prefix The parser works.", "It passes all tests. suffix" })
  -- Charwise selection from "The" to "tests.": the prefix and suffix must not be spoken.
  vim.fn.setpos("'<", { 0, 1, 8, 0 })
  vim.fn.setpos("'>", { 0, 2, 20, 0 })
  vim.cmd("normal! gvv") -- leaves visualmode() == "v"
  vim.cmd("'<,'>SpeakJa")
  H.wait(30000, function()
    return #sj.history() == 2 and H.finished()
  end, "two sentences spoken")
  local hist = sj.history()
  H.eq({ "The parser works.", "It passes all tests." }, { hist[1].source, hist[2].source }, "sources")
  H.eq({ "The parser works.", "It passes all tests." }, seen, "SpeakJaDone autocmds")
  local files = H.wavs(dir)
  H.eq(2, #files, "wav files")
  for i, e in ipairs(hist) do
    H.eq("done", e.status, "status")
    H.eq({ engine = "none", cached = false }, e.translator, "translator")
    H.eq({ engine = "openjtalk", cached = false }, e.tts, "tts")
    H.eq(files[i], e.file, "file")
    local secs, rms = H.wav_stats(files[i])
    -- Letter-by-letter English reading: well over 40 ms and under 1 s per character.
    H.ok(secs > 0.04 * #e.source and secs < 1.0 * #e.source, ("plausible length: %.2f s for %q"):format(secs, e.source))
    H.ok(rms > 0.01, ("speech, not silence: rms %.4f"):format(rms))
    H.ok(e.timings_ms.translate ~= nil and e.timings_ms.synthesize > 0 and e.timings_ms.first_audio > 0, "timings")
    H.ok(math.abs(e.timings_ms.audio / 1000 - secs) < 0.01, "audio timing matches the file")
  end
  io.stdout:write(("# synth %.1f + %.1f ms, first audio %.1f ms\n"):format(
    hist[1].timings_ms.synthesize, hist[2].timings_ms.synthesize, hist[1].timings_ms.first_audio))
end)

H.test("a restarted worker writing to the same WAV directory keeps the earlier files", function()
  local opts, dir = H.opts()
  for round = 1, 2 do
    sj.setup(opts)
    sj.speak("一つ目です。")
    H.wait(20000, H.finished, "round " .. round)
  end
  H.eq(2, #H.wavs(dir), "files: " .. vim.inspect(H.wavs(dir)))
end)

H.test("Japanese text is spoken without translation", function()
  -- An NLLB engine with no model cannot translate anything: only text detected as
  -- Japanese can get through.
  local opts = H.opts({ translator = { engine = "nllb", model = H.tmpdir() } })
  sj.setup(opts)
  sj.speak("今日は良い天気ですね。This needs a translator.")
  H.wait(20000, function()
    return #sj.history() == 2 and H.finished()
  end, "both finished")
  local hist = sj.history()
  H.eq("done", hist[1].status, "Japanese status")
  H.eq("今日は良い天気ですね。", hist[1].text, "Japanese spoken as is")
  H.eq("failed", hist[2].status, "English without a translator")
  H.ok(hist[2].error:find("translat"), "clear error: " .. tostring(hist[2].error))
end)

H.test("without a model, English is spoken as it is, and one message says how to get one", function()
  local msgs = H.notified(function()
    sj.setup(H.opts({ translator = { engine = "auto", model = H.tmpdir() } }))
    sj.speak("Hello there. How are you?")
    H.wait(20000, function()
      return #sj.history() == 2 and H.finished()
    end, "spoken")
  end)
  local told = vim.tbl_filter(function(m)
    return m:find("scripts/fetch-model", 1, true) ~= nil
  end, msgs)
  H.eq(1, #told, "messages: " .. vim.inspect(msgs))
  H.eq({ "done", "done" }, { sj.history()[1].status, sj.history()[2].status }, "both spoken")
  H.eq("Hello there.", sj.history()[1].text, "untranslated")
end)

H.test(":SpeakJa translates with NLLB when a model directory is configured", function()
  local model = H.root .. "/tests/fixtures/nllb/tiny-a"
  -- The CLI over the same engine gives the reference translation.
  local bin = (vim.env.CARGO_TARGET_DIR or (H.root .. "/target")) .. "/release/speakja"
  -- stdout only: stderr says how the model was loaded.
  local cli = vim.system({ bin, "translate", "--model", model, "--json", "Hello world." }):wait()
  H.eq(0, cli.code, "speakja translate: " .. cli.stderr)
  local want = vim.json.decode(cli.stdout).text
  sj.setup(H.opts({ translator = { engine = "nllb", model = model } }))
  vim.cmd("SpeakJa Hello world.")
  H.wait(60000, H.finished, "finished")
  local e = sj.history()[1]
  H.eq("nllb", e.translator.engine, "translator")
  H.eq(want, e.text, "translation")
  H.ok(e.timings_ms.translate > 0, "translate timing")
end)

H.test(":SpeakJaStop silences speech mid-utterance and drops the queue", function()
  local opts, dir = H.opts()
  sj.setup(opts)
  sj.speak("これは長い文章です。" .. ("二つ目の文です。"):rep(5))
  H.wait(20000, function()
    return sj.status().playing ~= nil
  end, "playing")
  vim.wait(100)
  local t0 = vim.uv.hrtime()
  vim.cmd("SpeakJaStop")
  H.wait(1000, function()
    return sj.history()[1].status == "stopped"
  end, "playback stopped")
  local stop_ms = (vim.uv.hrtime() - t0) / 1e6
  io.stdout:write(("# stop silenced playback in %.1f ms\n"):format(stop_ms))
  H.ok(stop_ms < 50, ("stop took %.1f ms"):format(stop_ms))
  H.wait(2000, H.finished, "all finished after stop")
  local hist = sj.history()
  H.eq("stopped", hist[1].status, "first sentence stopped mid-way")
  for i = 2, #hist do
    H.eq("stopped", hist[i].status, "queued sentence " .. i .. " dropped")
  end
  local n = #H.wavs(dir)
  vim.wait(300)
  H.eq(n, #H.wavs(dir), "nothing more written after stop")
  -- The worker goes on after a stop.
  sj.speak("はい。")
  H.wait(10000, H.finished, "spoken after stop")
  H.eq("done", sj.history()[#sj.history()].status, "status after stop")
end)

H.test(":SpeakJaSkip skips only the current sentence", function()
  sj.setup(H.opts())
  sj.speak("一つ目の長い文章です、とても長いです。二つ目です。")
  H.wait(20000, function()
    return sj.status().playing ~= nil
  end, "playing")
  vim.cmd("SpeakJaSkip")
  H.wait(20000, H.finished, "finished")
  local hist = sj.history()
  H.eq({ "stopped", "done" }, { hist[1].status, hist[2].status }, "statuses")
end)

H.test("the editor is never blocked: a 10 ms timer keeps firing", function()
  sj.setup(H.opts())
  local stop_meter = H.gap_meter()
  sj.speak(("これはテストの文章です。"):rep(6))
  H.wait(30000, function()
    return #sj.history() == 6 and H.finished()
  end, "done")
  local worst = stop_meter()
  io.stdout:write(("# worst timer gap %.1f ms\n"):format(worst))
  H.ok(worst < 50, ("worst timer gap %.1f ms"):format(worst))
end)

H.run()
