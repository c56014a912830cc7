"""Speech in and out: audio sources, voice activity detection, recognition, activation, spoken answers.

ROS-free; vlm_agent/ros/voice_node.py and speech_node.py carry its inputs and outputs.
"""
