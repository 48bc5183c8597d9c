-- Replays an asciicast into a real :terminal the way Claude Code drew it: a float sized like
-- the recording, the cast's output at SPEED times its pace, and its resize events applied to
-- the window at their moments. Shared by the auto-speak specs.
local R = {}

R.SPEED = 4

-- Each test starts with no terminal left from the one before (it would still be heard).
function R.close_terminals()
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[b].buftype == "terminal" then
      vim.api.nvim_buf_delete(b, { force = true })
    end
  end
end

-- The cast's resize events: { {t, cols, rows}, ... }.
local function resizes(cast)
  local out = {}
  for line in io.lines(cast) do
    local t, size = line:match('^%[([%d.]+),%s*"r",%s*"(%d+x%d+)"%]')
    if t then
      local c, r = size:match("(%d+)x(%d+)")
      table.insert(out, { tonumber(t), tonumber(c), tonumber(r) })
    end
  end
  return out
end

-- Plays `cast`; `on_lines(buf, first, last_new)` sees every change, `on_open(buf)` runs once
-- the terminal is open. With `config_dir`, Claude Code's session file is written too, on the
-- cast's clock, into that stand-in for ~/.claude (tests/replay_tx.py), with the job's own
-- directory as the session's. Returns the buffer once the replay has ended.
function R.play(root, cast, on_lines, on_open, config_dir)
  R.close_terminals()
  local buf = dofile(root .. "/tests/nvim/cast_window.lua")(cast)
  local win = vim.api.nvim_get_current_win()
  if on_lines then
    vim.api.nvim_buf_attach(buf, false, {
      on_lines = function(_, b, _, first, _, last_new)
        on_lines(b, first, last_new)
      end,
    })
  end
  local done = false
  local replayer = vim.env.SPEAKJA_REPLAYER or (root .. "/tests/replay_cast.py")
  local cmd = { "python3", replayer, cast, "--speed", tostring(R.SPEED) }
  local cwd, env = nil, nil
  if config_dir then
    cwd = config_dir .. "/work dir ü"
    vim.fn.mkdir(cwd, "p")
    cmd = { "python3", root .. "/tests/replay_tx.py", cast, config_dir, "--speed", tostring(R.SPEED), "--cwd", cwd }
    env = { CLAUDE_CONFIG_DIR = config_dir }
  end
  vim.fn.jobstart(cmd, {
    term = true,
    cwd = cwd,
    env = env,
    on_exit = function()
      done = true
    end,
  })
  for _, r in ipairs(resizes(cast)) do
    vim.defer_fn(function()
      if vim.api.nvim_win_is_valid(win) then
        vim.o.columns = math.max(vim.o.columns, r[2])
        vim.o.lines = math.max(vim.o.lines, r[3] + 2)
        vim.api.nvim_win_set_config(win, { relative = "editor", row = 0, col = 0, width = r[2], height = r[3] })
      end
    end, math.floor(r[1] * 1000 / R.SPEED))
  end
  if on_open then
    on_open(buf)
  end
  vim.wait(300000, function()
    return done
  end, 5)
  assert(done, "replay of " .. cast .. " did not end")
  return buf
end

-- The sentences a listener should hear for `cast`, cut and cleaned as the plugin does; with
-- `transcript`, as heard when the session file is read too (a link's text, where the screen
-- draws only its URL). An entry that may be heard in more than one form (the screen's, when
-- it is first, or the file's) is a list of them.
function R.expected(cast, transcript)
  local e = vim.json.decode(table.concat(vim.fn.readfile((cast:gsub("%.cast$", ".expected.json"))), "\n"))
  local raw = transcript and e.spoken_with_transcript or e.spoken
  local native = require("speakja_native")
  local function cut(s)
    local r = native.sentences(s)
    assert(r.ok, r.err)
    return r.value
  end
  local out = {}
  for _, s in ipairs(raw) do
    if type(s) == "table" then
      table.insert(out, vim.tbl_map(function(form)
        return table.concat(cut(form), " ")
      end, s))
    else
      vim.list_extend(out, cut(s))
    end
  end
  return out
end

-- Whether heard sentence `h` is expected entry `s` (a sentence, or a list of its forms).
function R.is(s, h)
  return s == h or (type(s) == "table" and vim.tbl_contains(s, h))
end

return R
