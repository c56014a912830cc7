"""Scenario tests: scenes, commands and expectations run through the command path on the simulator."""
