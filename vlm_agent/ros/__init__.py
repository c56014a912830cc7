"""Thin rclpy adapters: parameters in, messages converted, core called, messages out."""
