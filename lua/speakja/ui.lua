-- What users see: the float with the Japanese being spoken, the history buffer, messages
-- and `User` autocmds. The native side decides what happened (a sentence queued, started,
-- finished; a message) and hands it here, one action at a time, each carrying only the
-- entry that changed. Every color is a highlight group, linked by default, so a
-- colorscheme or the user can theme it:
--
--   SpeakJaFloat        the float's text            (NormalFloat)
--   SpeakJaFloatBorder  the float's border          (FloatBorder)
--   SpeakJaStatus       [done] and the other states (Comment)
--   SpeakJaFailed       [failed] and the error      (DiagnosticError)
--   SpeakJaPlaying      [playing]                   (DiagnosticInfo)
--   SpeakJaSource       the English as heard        (Normal)
--   SpeakJaSpoken       the Japanese                (String)
--   SpeakJaDetail       engines and timings         (Comment)
local M = {}

local links = {
  SpeakJaFloat = "NormalFloat",
  SpeakJaFloatBorder = "FloatBorder",
  SpeakJaStatus = "Comment",
  SpeakJaFailed = "DiagnosticError",
  SpeakJaPlaying = "DiagnosticInfo",
  SpeakJaSource = "Normal",
  SpeakJaSpoken = "String",
  SpeakJaDetail = "Comment",
}

local function define_highlights()
  for group, link in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = link, default = true })
  end
end
define_highlights()
-- A colorscheme clears highlights: the defaults come back, the user's own stay.
vim.api.nvim_create_autocmd("ColorScheme", {
  group = vim.api.nvim_create_augroup("speakja_ui", { clear = true }),
  callback = define_highlights,
})

local ns = vim.api.nvim_create_namespace("speakja")
-- Widest float, in cells.
local FLOAT_WIDTH = 50

local float = { id = nil, win = nil }
local history = { buf = nil, line_of = {}, ids = {} }

local function present(v)
  return v ~= nil and v ~= vim.NIL
end

-- Break `text` into lines of at most `width` cells (Japanese has no spaces to break at).
local function wrap(text, width)
  local lines, line, cells = {}, {}, 0
  for _, ch in ipairs(vim.fn.split(text:gsub("%c", ""), "\\zs")) do
    local w = vim.fn.strdisplaywidth(ch)
    if cells + w > width and #line > 0 then
      table.insert(lines, table.concat(line))
      line, cells = {}, 0
    end
    table.insert(line, ch)
    cells = cells + w
  end
  table.insert(lines, table.concat(line))
  return lines
end
M._wrap = wrap

local function close_float(id)
  if float.win and (id == nil or id == float.id) then
    if vim.api.nvim_win_is_valid(float.win) then
      vim.api.nvim_win_close(float.win, true)
    end
    float.win, float.id = nil, nil
  end
end

local function show_float(entry)
  close_float()
  local lines = wrap(entry.text, FLOAT_WIDTH)
  local width = 1
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  local buf = vim.api.nvim_create_buf(false, true)
  -- Scratch buffers default to `bufhidden=hide`: one would pile up per sentence.
  vim.bo[buf].bufhidden = "wipe"
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  local win = vim.api.nvim_open_win(buf, false, {
    relative = "cursor",
    row = 1,
    col = 0,
    width = width,
    height = #lines,
    style = "minimal",
    border = "rounded",
    focusable = false,
    noautocmd = true,
    zindex = 60,
  })
  vim.wo[win].winhighlight = "NormalFloat:SpeakJaFloat,FloatBorder:SpeakJaFloatBorder"
  float.win, float.id = win, entry.id
end

local function engine(used)
  if not present(used) then
    return nil
  end
  return used.engine .. (used.cached and " (cached)" or "")
end

local function passed_over(fallbacks)
  local out = {}
  for _, f in ipairs(fallbacks or {}) do
    if f.kind == "failed" then
      table.insert(out, ("%s failed: %s"):format(f.voice, f.why))
    else
      table.insert(out, ("%s skipped for %d s after %d failures"):format(f.voice, f.secs, f.failures))
    end
  end
  return table.concat(out, "; ")
end

-- One line per entry, with the ranges to highlight: status, source → spoken text,
-- engines and timings, what the voice was given, the error.
local function history_line(e)
  local function ms(v)
    return present(v) and ("%.0f"):format(v) or "-"
  end
  local engines = {}
  for _, part in ipairs({ engine(e.translator), engine(e.tts) }) do
    table.insert(engines, part)
  end
  local tts = table.concat(engines, "/")
  if e.fallbacks and #e.fallbacks > 0 then
    tts = tts .. (" (%s)"):format(passed_over(e.fallbacks))
  end
  local t = e.timings_ms or {}
  local parts, marks = {}, {}
  local col = 0
  local function add(text, group)
    text = text:gsub("\n", " ")
    table.insert(parts, text)
    if group then
      table.insert(marks, { col, col + #text, group })
    end
    col = col + #text
  end
  local status_group = e.status == "failed" and "SpeakJaFailed" or e.status == "playing" and "SpeakJaPlaying"
    or "SpeakJaStatus"
  add("[" .. e.status .. "]", status_group)
  add(" ")
  add(e.source, "SpeakJaSource")
  add(" → ")
  add(present(e.text) and e.text or "…", "SpeakJaSpoken")
  add(("  (%s; translate %s ms, synth %s ms, first sound %s ms)"):format(
    tts, ms(t.translate), ms(t.synthesize), ms(t.first_sound)), "SpeakJaDetail")
  -- What the voice was given, when the readings changed it.
  if present(e.spoken) and e.spoken ~= e.text then
    add("  ♪ " .. e.spoken, "SpeakJaDetail")
  end
  if present(e.error) then
    add("  ! " .. e.error, "SpeakJaFailed")
  end
  return table.concat(parts), marks
end

local function history_open()
  return history.buf and vim.api.nvim_buf_is_valid(history.buf)
end

-- Write `entry`'s line: in place when shown, else appended (entries come in id order).
local function set_entry(entry)
  local buf = history.buf
  local line, marks = history_line(entry)
  local at = history.line_of[entry.id]
  vim.bo[buf].modifiable = true
  if at then
    vim.api.nvim_buf_set_lines(buf, at, at + 1, false, { line })
  else
    at = #history.ids
    vim.api.nvim_buf_set_lines(buf, at == 0 and 0 or at, at == 0 and -1 or at, false, { line })
    table.insert(history.ids, entry.id)
    history.line_of[entry.id] = at
    vim.b[buf].speakja_ids = history.ids
  end
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, ns, at, at + 1)
  for _, m in ipairs(marks) do
    vim.api.nvim_buf_set_extmark(buf, ns, at, m[1], { end_col = m[2], hl_group = m[3] })
  end
end

local function render(entries)
  local buf = history.buf
  history.ids, history.line_of = {}, {}
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, {})
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  vim.b[buf].speakja_ids = {}
  for _, e in ipairs(entries) do
    set_entry(e)
  end
end

--- `:SpeakJaHistory`: open the history buffer with `entries`, or focus its window.
function M.open_history(entries)
  if not history_open() then
    local b = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(b, "speakja://history")
    vim.bo[b].filetype = "speakjahistory"
    vim.bo[b].bufhidden = "hide"
    local map = function(key, rhs)
      vim.keymap.set("n", key, rhs, { buffer = b, silent = true, nowait = true })
    end
    map("<CR>", function()
      require("speakja")._history_action("replay")
    end)
    map("y", function()
      require("speakja")._history_action("yank")
    end)
    -- `q` closes the window, or leaves the buffer when it is the last window.
    map("q", "<Cmd>if winnr('$') > 1 | close | elseif buflisted(bufnr('#')) | buffer # | else | enew | endif<CR>")
    history.buf = b
  end
  render(entries)
  local win = vim.fn.bufwinid(history.buf)
  if win < 0 then
    vim.cmd("botright 12split")
    vim.api.nvim_win_set_buf(0, history.buf)
  else
    vim.api.nvim_set_current_win(win)
  end
end

local function autocmd(pattern, entry)
  vim.api.nvim_exec_autocmds("User", { pattern = pattern, modeline = false, data = entry })
end

local handlers = {
  notify = function(a)
    local level = a.level == "info" and vim.log.levels.INFO or vim.log.levels.WARN
    vim.notify("speakja: " .. a.msg, level)
  end,
  queued = function(a)
    if history_open() then
      set_entry(a.entry)
    end
  end,
  started = function(a)
    if a.float then
      show_float(a.entry)
    end
    if history_open() then
      set_entry(a.entry)
    end
    autocmd("SpeakJaStart", a.entry)
  end,
  finished = function(a)
    close_float(a.entry.id)
    if history_open() then
      set_entry(a.entry)
    end
    autocmd("SpeakJaDone", a.entry)
  end,
}

--- Called by the native side with a batch of actions, in order. One failing (a user's
--- autocmd, a closed window) does not keep the others from running.
function M.dispatch(actions)
  for _, a in ipairs(actions) do
    local handler = handlers[a.kind]
    if handler then
      local ok, err = pcall(handler, a)
      if not ok then
        vim.notify("speakja: " .. tostring(err), vim.log.levels.WARN)
      end
    end
  end
end

--- A new `setup()`: no float from the old one stays up.
function M.reset()
  close_float()
end

return M
