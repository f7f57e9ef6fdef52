-- fastest store, schema version 3: the discovery cache remembers what a file's items depend
-- on besides its bytes, and what a conftest.py says.
-- * parse_key: a hash of the file's kind (test module, doctest module, doctest text file,
--   conftest) and the settings its items follow (python_classes/functions, the doctest
--   module name). Rows from version 2 get 0, which no parse produces: they are parsed again.
-- * facts: for conftest.py files, discovery's ConftestFacts in its own line format (hooks,
--   _pytest imports, pytest_plugins, collect_ignore / collect_ignore_glob); NULL otherwise.

ALTER TABLE files ADD COLUMN parse_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN facts TEXT;
