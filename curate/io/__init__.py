"""Reading any supported input into the canonical frame (read.py) and writing it back out (write.py)."""
