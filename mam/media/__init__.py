"""Media tools: the one ffmpeg/ffprobe runner, the probe and its gate, command builders."""
