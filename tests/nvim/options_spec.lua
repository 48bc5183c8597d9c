-- One schema for the options: the native `Config` (its defaults, its checks). `types.lua`
-- (LuaCATS) and the help's option list are checked against it here, both ways.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local sj = require("speakja")
local native = require("speakja_native")

local defaults = native.defaults().value

-- `---@class` → { field → type } from types.lua.
local function classes()
  local out, current = {}, nil
  for _, line in ipairs(vim.fn.readfile(H.root .. "/lua/speakja/types.lua")) do
    local class = line:match("^%-%-%-@class%s+([%w%.]+)")
    if class then
      current = {}
      out[class] = current
    end
    local field, ty = line:match("^%-%-%-@field%s+([%w_]+)%??%s+(%S+)")
    if field and current then
      current[field] = ty
    end
  end
  return out
end

-- Every option path of types.lua, from speakja.Config down: { path, type }.
local function typed_paths()
  local all, out = classes(), {}
  local function walk(class, prefix)
    for field, ty in pairs(all[class] or {}) do
      local path = prefix .. field
      if all[ty] then
        walk(ty, path .. ".")
      else
        table.insert(out, { path, ty })
      end
    end
  end
  walk("speakja.Config", "")
  return out, all
end

local function is_dict(v)
  return type(v) == "table" and next(v) ~= nil and not vim.islist(v)
end

-- Every leaf of the defaults: its path.
local function default_paths(t, prefix, out)
  out = out or {}
  for k, v in pairs(t) do
    if is_dict(v) and k ~= "readings" then
      default_paths(v, prefix .. k .. ".", out)
    else
      out[prefix .. k] = v
    end
  end
  return out
end

H.test("every option with a default has a type in types.lua", function()
  local typed = {}
  for _, p in ipairs(typed_paths()) do
    typed[p[1]] = p[2]
  end
  local missing = {}
  for path in pairs(default_paths(defaults, "")) do
    if not typed[path] then
      table.insert(missing, path)
    end
  end
  table.sort(missing)
  H.eq({}, missing, "options without a ---@field")
end)

H.test("every option types.lua names is one the native side knows", function()
  local unknown = {}
  for _, p in ipairs(typed_paths()) do
    -- null is a wrong type or "unset", never an unknown key, for an option that exists.
    local opts, t = {}, nil
    t = opts
    local parts = vim.split(p[1], ".", { plain = true })
    for i = 1, #parts - 1 do
      t[parts[i]] = {}
      t = t[parts[i]]
    end
    t[parts[#parts]] = vim.NIL
    local ok, err = pcall(sj.setup, opts)
    if not ok and tostring(err):find("unknown field", 1, true) then
      table.insert(unknown, p[1])
    end
  end
  H.eq({}, unknown, "types.lua fields the native side refuses")
end)

H.test("the help's defaults are the native defaults, and every option has a help tag", function()
  local help = vim.fn.readfile(H.root .. "/doc/speakja.txt")
  local block, inside = {}, false
  for _, line in ipairs(help) do
    if line:find("Defaults: >lua$") then
      inside = true
    elseif inside and line:match("^<") then
      break
    elseif inside then
      table.insert(block, line)
    end
  end
  local text = table.concat(block, "\n"):gsub('"<plugin>/models"', "nil")
  local shown = assert(loadstring("return " .. text))()
  H.eq(defaults, shown, "the defaults in :help speakja-options")
  local tags = {}
  for _, line in ipairs(help) do
    for tag in line:gmatch("%*speakja%-option%-([%w_%.]+)%*") do
      tags[tag] = true
    end
  end
  local untagged = {}
  for _, p in ipairs(typed_paths()) do
    local path, found = p[1], false
    while path and not found do
      found = tags[path] or false
      path = path:match("^(.*)%.[^.]+$")
    end
    if not found then
      table.insert(untagged, p[1])
    end
  end
  table.sort(untagged)
  H.eq({}, untagged, "options without a *speakja-option-…* tag")
end)

H.run()
