-- A window sized like a cast's recording, current, for replaying the cast into a terminal.
-- Returns its buffer. Used by the auto-speak spec and tests/fixtures/onlines/record.lua.
return function(cast)
  local f = assert(io.open(cast))
  local header = vim.json.decode(f:read("*l"))
  f:close()
  vim.o.columns = header.width
  vim.o.lines = header.height + 2
  -- Without a UI the current window keeps an 80x22 grid whatever 'columns' says; a float
  -- gets the cast's size, so the terminal (and Claude Code's wrapping) is as recorded.
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_open_win(buf, true, { relative = "editor", row = 0, col = 0, width = header.width, height = header.height })
  return buf
end
