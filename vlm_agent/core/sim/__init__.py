"""Headless tabletop simulator (pybullet) producing RGB-D with ground truth."""
