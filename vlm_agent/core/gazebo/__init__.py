"""The built-in scenes as Gazebo (gz sim) worlds: SDF, ros_gz_bridge topics, camera pose."""
