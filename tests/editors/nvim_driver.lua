-- Drives a real headless Neovim through the documented set-up (editors/neovim/ptflow.lua):
-- opens a file with a mistake and records what Neovim's own LSP client received for a
-- diagnostic, a completion, a hover, a definition into the standard library, a rename
-- and a format.  tests/editors/test_neovim.py starts it and checks the JSON it writes.
local setup_file = os.getenv("PTFLOW_NVIM_SETUP")
local server_cmd = vim.json.decode(os.getenv("PTFLOW_NVIM_SERVER"))
local project = os.getenv("PTFLOW_NVIM_PROJECT")
local result_file = os.getenv("PTFLOW_NVIM_RESULT")
local WAIT_MS = 30000

local results = { version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) }

local function finish()
  local file = io.open(result_file, "w")
  file:write(vim.json.encode(results))
  file:close()
  vim.cmd("qall!")
end

local function fail(message)
  results.error = message
  finish()
end

local ok, err = pcall(function()
  dofile(setup_file).setup({ cmd = server_cmd })

  vim.cmd("edit " .. project .. "/main.ptflow")
  local buf = vim.api.nvim_get_current_buf()
  results.filetype = vim.bo[buf].filetype

  -- the server attached, and its diagnostics for the mistake arrived
  if not vim.wait(WAIT_MS, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50) then
    return fail("no client attached")
  end
  if not vim.wait(WAIT_MS, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    return fail("no diagnostics arrived")
  end
  results.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(results.diagnostics, { line = d.lnum, col = d.col, message = d.message, code = d.code })
  end

  local function request(method, line, character, extra)
    local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
    for key, value in pairs(extra or {}) do params[key] = value end
    local responses = vim.lsp.buf_request_sync(buf, method, params, WAIT_MS)
    for _, response in pairs(responses or {}) do
      if response.result then return response.result end
    end
    return nil
  end

  local function find(pattern)
    for index, text in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      local column = text:find(pattern, 1, true)
      if column then return index - 1, column - 1 end
    end
    error("not in the buffer: " .. pattern)
  end

  -- completion after `torch.`: the standard library's components
  local line, col = find("torch.train(")
  local completion = request("textDocument/completion", line, col + #"torch.")
  results.completion = {}
  for _, item in ipairs((completion and (completion.items or completion)) or {}) do
    table.insert(results.completion, item.label)
  end

  -- hover on `train` of `torch.train(`
  local hover = request("textDocument/hover", line, col + #"torch.t")
  results.hover = hover and hover.contents and (hover.contents.value or hover.contents) or vim.NIL

  -- definition of `train`: a location in the standard library's torch.ptflow
  local definition = request("textDocument/definition", line, col + #"torch.t")
  if definition and definition[1] then definition = definition[1] end
  results.definition = definition and { uri = definition.uri or definition.targetUri,
    line = (definition.range or definition.targetSelectionRange).start.line } or vim.NIL

  -- rename the step `data` to `digits`, applying the edit as Neovim does
  local data_line, data_col = find("data = ")
  local edit = request("textDocument/rename", data_line, data_col, { newName = "digits" })
  if edit then vim.lsp.util.apply_workspace_edit(edit, "utf-16") end
  results.after_rename = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- format through the documented command
  vim.cmd("edit! " .. project .. "/messy.ptflow")
  local messy = vim.api.nvim_get_current_buf()
  if not vim.wait(WAIT_MS, function() return #vim.lsp.buf_get_clients(messy) > 0 end, 50) then
    return fail("no client attached to the second file")
  end
  vim.cmd("PtflowFormat")
  results.formatted = vim.api.nvim_buf_get_lines(messy, 0, -1, false)
  finish()
end)
if not ok then fail(tostring(err)) end
