"""Browser tests (Playwright + headless Chromium); a package so that its conftest does not shadow tests/conftest.py."""
