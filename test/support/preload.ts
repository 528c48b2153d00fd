// Loaded before every test file (bunfig.toml). Keeps the test process's output quiet by default.
process.env.SPOOL_TEST = "1";
