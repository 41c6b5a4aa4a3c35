"""The broken-input corpus is data for tests/test_bad_inputs.py: its .arch files (some
with `expect` lines) are not test items of the archcalc pytest plugin."""

collect_ignore_glob = ["*.arch"]
