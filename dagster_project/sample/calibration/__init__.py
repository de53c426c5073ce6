"""The parts of the generator calibrated to a published 运行情况表 (see sample/calibrate.py): reading
the printed table, the working-day calendar, fitting the speed-up rates, one organisation's cases, and
the month's extracts."""
