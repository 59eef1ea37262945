"""One module per step or small group of steps: its run, its truth check (is_done) and its
commands for --plan, defined together as a Step."""
