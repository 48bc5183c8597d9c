-- bench/redaction_fresh.sh: each case through the plugin's own front end (`sentences`):
-- a secret counts as hidden when no 6 of its characters in a row are left.
vim.opt.rtp:prepend(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h"))
local n = require("speakja_native")
local cases = vim.json.decode(table.concat(vim.fn.readfile(vim.env.SPEAKJA_CASES), "\n"))
local caught, by = 0, {}
for _, c in ipairs(cases.secrets) do
  local out = table.concat(n.sentences(c.text).value, " ")
  local leak = false
  for i = 1, #c.secret - 5 do
    if out:find(c.secret:sub(i, i + 5), 1, true) then leak = true break end
  end
  by[c.kind] = by[c.kind] or { 0, 0 }
  by[c.kind][2] = by[c.kind][2] + 1
  if not leak then caught = caught + 1; by[c.kind][1] = by[c.kind][1] + 1 else print("LEAK", c.kind, out) end
end
local fp, fpk = 0, {}
for _, c in ipairs(cases.looks) do
  local out = table.concat(n.sentences(c.text).value, " ")
  if out:find("キー省略", 1, true) then fp = fp + 1; print("FP", c.kind, out) end
end
print(("secrets hidden %d/%d (%.1f%%); look-alikes hidden %d/%d (%.1f%%)"):format(caught, #cases.secrets, 100 * caught / #cases.secrets, fp, #cases.looks, 100 * fp / #cases.looks))
for k, v in pairs(by) do print(k, v[1] .. "/" .. v[2]) end
