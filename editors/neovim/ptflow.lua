-- ptflow for Neovim 0.7 and newer: filetype, the language server, and formatting.
--
-- Put this file on your runtimepath as lua/ptflow.lua (or `dofile` it) and call
--
--     require("ptflow").setup()                    -- defaults
--     require("ptflow").setup({ cmd = { "/path/to/.venv/bin/ptflow", "lsp" } })
--
-- from init.lua.  It uses only what every version since 0.7 has: an autocommand
-- for the filetype, `vim.lsp.start_client` + `buf_attach_client` to start one
-- server per project root (0.8's `vim.lsp.start` does the same and is used when
-- present), and `:PtflowFormat`, which formats through the server with the call
-- each version has (`formatting_sync` before 0.8, `format` after).
local M = {}

local defaults = {
  cmd = { "ptflow", "lsp" },
  root_markers = { "pyproject.toml", ".git" },
}

local clients_by_root = {}

local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return vim.fn.fnamemodify(path, ":p:h")
    end
    dir = parent
  end
end

local function attach(options, bufnr)
  local root = find_root(vim.api.nvim_buf_get_name(bufnr), options.root_markers)
  local config = { name = "ptflow", cmd = options.cmd, root_dir = root }
  if vim.lsp.start then -- Neovim 0.8+: finds or starts the client for this root itself
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.format()
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ async = false, timeout_ms = 5000 })
  else
    vim.lsp.buf.formatting_sync(nil, 5000)
  end
end

function M.setup(user_options)
  local options = vim.tbl_extend("force", defaults, user_options or {})
  vim.cmd([[autocmd BufRead,BufNewFile *.ptflow setfiletype ptflow]])
  local group = vim.api.nvim_create_augroup("ptflow", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "ptflow",
    callback = function(event)
      -- `#` comments, 4-space indents, as `ptflow fmt` writes
      vim.bo[event.buf].commentstring = "# %s"
      vim.bo[event.buf].shiftwidth = 4
      vim.bo[event.buf].expandtab = true
      attach(options, event.buf)
    end,
  })
  vim.api.nvim_create_user_command("PtflowFormat", M.format, { desc = "Format this file with ptflow's server" })
end

return M
