"""The TikTok Shop emulator; `app.py` assembles it and says where each part lives."""
