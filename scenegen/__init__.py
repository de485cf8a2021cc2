"""scenegen: synthetic street scenes with exact labels, rendered in Blender and tuned toward real data."""
import os

# OpenCV writes warnings (a corrupt PNG chunk, say) straight to stderr; a command's errors are its own line.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
