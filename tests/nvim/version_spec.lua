-- Neovim older than 0.11: one message, no commands, the native library never loaded.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")

H.test("an older Neovim gets one message and nothing else", function()
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match("^SpeakJa") then
      vim.api.nvim_del_user_command(name)
    end
  end
  -- helpers.lua loaded the plugin file as this Neovim would: undo that.
  vim.keymap.del({ "n", "x" }, "<Plug>(speakja)")
  vim.keymap.del("n", "<Plug>(speakja-line)")
  local has, loaded = vim.fn.has, false
  vim.fn.has = function(feature)
    return feature == "nvim-0.11" and 0 or has(feature)
  end
  vim.g.loaded_speakja, package.loaded.speakja, package.loaded.speakja_native = nil, nil, nil
  package.preload.speakja_native = function()
    loaded = true
  end
  local ok, msgs = pcall(H.notified, function()
    vim.cmd("runtime plugin/speakja.lua")
    local sj = require("speakja")
    sj.setup({})
    sj.setup({ audio = { sink = "null" } })
    H.eq("", sj.statusline(), "statusline")
    H.ok(not pcall(sj.speak, "はい。"), "the API refuses")
  end)
  vim.fn.has, package.preload.speakja_native = has, nil
  assert(ok, msgs)
  H.eq({ "speakja needs Neovim ≥ 0.11" }, msgs, "messages")
  H.eq({}, vim.tbl_filter(function(name)
    return name:match("^SpeakJa") ~= nil
  end, vim.tbl_keys(vim.api.nvim_get_commands({}))), "commands")
  H.eq("", vim.fn.maparg("<Plug>(speakja)", "n"), "no <Plug> mappings")
  H.ok(not loaded, "native library not loaded")
end)

H.run()
