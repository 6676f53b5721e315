"""End to end: start app.py, drive it in headless Chromium (Debian's chromium and chromium-driver).

Screenshots of every tab go to $UTK_SCREENSHOTS when set (that is how docs/screenshots/ is made).
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import pytest

from test_faces import grace_hopper

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="needs Debian's chromium and chromium-driver (installed by .ci/run)")
TABS = ["Photo", "Webcam", "Validation samples", "Training curves", "About"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(trained_run):
    port = _free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--run", str(trained_run)],  # the shipped model
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited: {proc.stdout.read()[-2000:]}")
            time.sleep(1)
    else:
        proc.kill()
        pytest.fail("app.py did not start within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1400,1100"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _shot(driver, name):
    folder = os.environ.get("UTK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _open_tab(driver, title):
    from selenium.webdriver.common.by import By
    tab = next(t for t in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']") if t.text.strip() == title)
    tab.click()
    time.sleep(1.5)


def test_upload_shows_annotated_image_and_age(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    photo = tmp_path / "grace.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    browser.get(server)
    wait = WebDriverWait(browser, 90)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type='file']"))).send_keys(str(photo))
    time.sleep(2)
    button = next(b for b in browser.find_elements(By.TAG_NAME, "button") if "Estimate age" in b.text)
    button.click()
    wait.until(lambda d: "face(s) found" in d.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "1 face(s) found" in body and ("female" in body or "male" in body)
    images = browser.find_elements(By.CSS_SELECTOR, "img")
    assert len(images) >= 2  # the upload and the annotated result
    _shot(browser, "photo_result")


def test_every_tab_opens_without_error(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server)
    time.sleep(3)
    for title in TABS:
        _open_tab(browser, title)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Error" not in body, f"{title} tab shows an error"
        _shot(browser, "tab_" + title.lower().replace(" ", "_"))
