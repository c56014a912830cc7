"""Tasks: multi-step commands decomposed into steps, carried out closed-loop and verified."""
