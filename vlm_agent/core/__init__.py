"""ROS-free core: perception, grounding, planning, guard, simulation."""
