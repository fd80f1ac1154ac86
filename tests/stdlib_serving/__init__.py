"""Tests of the serving, storage and distributed-training steps of the standard library."""
