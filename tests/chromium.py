"""Starting app.py and a headless Chromium for the browser tests and bench/bench_webcam.py."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def available() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(DRIVER)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(*args: str, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """`python app.py ARGS` on a free port; returns the process and its URL once it answers."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited: {proc.stdout.read()[-2000:]}")
            time.sleep(1)
    proc.kill()
    raise RuntimeError(f"app.py did not start within {timeout:.0f} s")


def chrome(*extra_flags: str, camera_feed: str | Path | None = None):
    """Headless Chromium under Selenium with the flags this closed machine needs; `camera_feed`: a .y4m webcam."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--window-size=1400,1100", *extra_flags]
    if camera_feed:
        flags += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera_feed}"]
    for flag in flags:
        options.add_argument(flag)
    # console errors and failed loads, and the network log (what the page uploads), for tests
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def page_errors(driver) -> list[str]:
    """The console's errors since the last call: failed loads (404s) and uncaught page errors."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def open_tab(driver, title: str) -> None:
    from selenium.webdriver.common.by import By
    tab = next(t for t in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']") if t.text.strip() == title)
    tab.click()
    time.sleep(1.5)


def uploaded_bytes(driver) -> tuple[int, list[str]]:
    """Bytes the page sent in request bodies since the last call, and the URLs it sent them to."""
    import json
    total, urls = 0, []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            body = message["params"]["request"].get("postData", "")
            if body:
                total += len(body)
                urls.append(message["params"]["request"]["url"])
    return total, urls


def start_webcam(driver, url: str, timeout: float = 90, mode: str | None = None, before_start: str = "") -> None:
    """Open the Webcam tab (in `mode`: device or server, by the page's URL) and press Start camera.

    `before_start`: JavaScript to run on the page first (for example, to break the runtime's URL).
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url + (f"?webcam={mode}" if mode else ""))
    time.sleep(3)
    open_tab(driver, "Webcam")
    start = WebDriverWait(driver, timeout).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "button.live-start") if b.is_displayed()])
    if before_start:
        driver.execute_script(before_start)
    start[0].click()
