-- What users see: float, history buffer, operator, statusline, cache command.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")

local function floats()
  return vim.tbl_filter(function(w)
    return vim.api.nvim_win_get_config(w).relative ~= ""
  end, vim.api.nvim_list_wins())
end

H.test("a float shows the Japanese being spoken, and the statusline too", function()
  sj.setup(H.opts({ ui = { float = true } }))
  H.eq("", sj.statusline(), "silent statusline")
  sj.speak("こんにちは、今日は良い天気ですね。")
  H.wait(20000, function()
    return #floats() == 1
  end, "float opened")
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(floats()[1]), 0, -1, false)
  H.eq("こんにちは、今日は良い天気ですね。", table.concat(lines), "float text")
  H.ok(sj.statusline():find("こんにちは", 1, true), "statusline: " .. sj.statusline())
  H.wait(20000, H.finished, "finished")
  H.wait(1000, function()
    return #floats() == 0
  end, "float closed by itself")
  H.eq("", sj.statusline(), "statusline after")
end)

H.test(":SpeakJaHistory lists entries; <CR> replays, y yanks", function()
  sj.setup(H.opts({ ui = { float = false } }))
  sj.speak("一つ目です。二つ目です。")
  H.wait(20000, function()
    return #sj.history() == 2 and H.finished()
  end, "spoken")
  vim.cmd("SpeakJaHistory")
  H.ok(vim.api.nvim_buf_get_name(0):find("speakja://history", 1, true), "history buffer is current")
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  H.eq(2, #lines, "one line per entry")
  H.ok(lines[1]:find("[done] 一つ目です。 → 一つ目です。", 1, true), lines[1])
  H.ok(lines[2]:find("openjtalk", 1, true) and lines[2]:find("first audio", 1, true), lines[2])
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd("normal y")
  H.eq("二つ目です。", vim.fn.getreg('"'), "yanked translation")
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd("execute \"normal \\<CR>\"")
  H.wait(20000, function()
    return #sj.history() == 3 and H.finished()
  end, "replayed")
  H.eq("一つ目です。", sj.history()[3].source, "replayed entry")
  -- The open buffer follows new entries.
  H.eq(3, #vim.api.nvim_buf_get_lines(0, 0, -1, false), "history buffer refreshed")
  vim.cmd("close")
end)

H.test("operator: gs{motion} speaks the text of a motion", function()
  sj.setup(H.opts({ ui = { float = false } }))
  vim.keymap.set("n", "gs", "<Plug>(speakja)")
  vim.cmd("enew")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "skip me", "", "最初の文です。", "次の文です。", "", "skip too" })
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd("normal gsip")
  H.wait(20000, function()
    return #sj.history() == 2 and H.finished()
  end, "paragraph spoken")
  H.eq({ "最初の文です。", "次の文です。" }, vim.tbl_map(function(e)
    return e.source
  end, sj.history()), "sources")
end)

H.test(":SpeakJaCache clear empties the cache", function()
  local dir = H.tmpdir()
  sj.setup(H.opts({ ui = { float = false }, cache = { dir = dir } }))
  sj.speak("キャッシュのテストです。")
  H.wait(20000, H.finished, "spoken")
  H.ok(#vim.fn.glob(dir .. "/**", false, true) > 0, "cache has entries")
  local msgs = {}
  local orig = vim.notify
  vim.notify = function(m)
    table.insert(msgs, m)
  end
  vim.cmd("SpeakJaCache clear")
  vim.notify = orig
  H.ok(msgs[1] and msgs[1]:find("removed 1 entries"), vim.inspect(msgs))
end)

H.run()
