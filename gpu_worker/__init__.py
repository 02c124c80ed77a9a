"""Qwen3-TTS model server and Vast.ai PyWorker for libread-tts.

A separate deployable: nothing here imports Django or the service's packages.
"""
