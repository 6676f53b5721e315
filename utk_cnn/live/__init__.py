"""Live video: tracking people across frames, the frame annotator, video files and many visitors' webcams."""
