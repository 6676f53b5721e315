"""End to end: start app.py, drive it in headless Chromium (Debian's chromium and chromium-driver).

Screenshots of every tab go to $UTK_SCREENSHOTS when set (that is how docs/screenshots/ is made).
"""
import os
import time
from pathlib import Path

import cv2
import pytest
from chromium import available, chrome, open_tab, page_errors, start_webcam
from photos import grace_hopper

pytestmark = pytest.mark.skipif(not available(),
                                reason="needs Debian's chromium and chromium-driver (installed by .ci/run)")
TABS = ["Photo", "Webcam", "Video", "Test samples", "Training curves", "About"]


@pytest.fixture(scope="module")
def server(app_server):
    return app_server


@pytest.fixture(scope="module")
def browser():
    driver = chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def camera_browser(tmp_path_factory):
    """Chromium whose webcam plays two faces moving in a 640x480 scene."""
    from scenes import bounce_period, moving_scene, write_y4m
    feed = write_y4m(tmp_path_factory.mktemp("camera") / "feed.y4m", moving_scene(bounce_period(2, step=2), faces=2, step=2))
    driver = chrome(camera_feed=feed)
    yield driver
    driver.quit()


def _shot(driver, name):
    folder = os.environ.get("UTK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


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
    assert len(images) >= 2  # the upload's preview and the annotated result
    _shot(browser, "photo_result")


def test_an_uploaded_photo_is_shown_before_estimating(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    photo = tmp_path / "grace.png"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper(), cv2.COLOR_RGB2BGR))
    browser.get(server)
    _upload(browser, "#photo-upload input[type='file']", photo)
    preview = WebDriverWait(browser, 60).until(
        lambda d: [i for i in d.find_elements(By.CSS_SELECTOR, "#photo-upload img") if i.get_attribute("src")])
    assert browser.execute_script("return arguments[0].naturalWidth", preview[0]) > 0


def test_every_tab_opens_without_error(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server)
    time.sleep(3)
    page_errors(browser)  # what loading the page logged is checked below, with each tab's
    errors = []
    for title in TABS:
        open_tab(browser, title)
        time.sleep(1)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Error" not in body, f"{title} tab shows an error"
        errors += [f"{title}: {message}" for message in page_errors(browser)]
        _shot(browser, "tab_" + title.lower().replace(" ", "_"))
    assert errors == []


def test_the_page_loads_without_console_errors_or_failed_requests(server, browser):
    browser.get(server)
    time.sleep(4)
    assert page_errors(browser) == []


def _upload(driver, selector, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 90).until(EC.presence_of_element_located((By.CSS_SELECTOR, selector))).send_keys(str(path))
    time.sleep(2)


def test_a_non_image_upload_shows_a_one_line_message(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    notes = tmp_path / "notes.jpg"
    notes.write_text("this is a shopping list, not a photo")
    browser.get(server)
    _upload(browser, "#photo-upload input[type='file']", notes)
    next(b for b in browser.find_elements(By.TAG_NAME, "button") if "Estimate age" in b.text).click()
    WebDriverWait(browser, 60).until(lambda d: "not an image file" in d.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "notes.jpg: not an image file" in body and "upstream" not in body
    _shot(browser, "photo_error")


def test_webcam_draws_estimates_over_the_camera_and_lists_each_person(server, camera_browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver = camera_browser
    start_webcam(driver, server)
    wait = WebDriverWait(driver, 90)

    def updates(d):
        return int(d.find_element(By.ID, "live-estimate").get_attribute("data-updates") or 0)
    first = wait.until(lambda d: updates(d) or None)
    wait.until(lambda d: updates(d) >= first + 10)  # estimates keep arriving and being drawn
    lines = wait.until(lambda d: [line for line in d.find_element(By.ID, "live-faces").text.splitlines()
                                  if line.startswith("#")] if d.find_element(By.ID, "live-faces").text.count("#") >= 2
                       else None)
    assert len(lines) == 2 and all(("female" in line or "male" in line) and "% sure" in line for line in lines)
    drawn = driver.execute_script("""
        const c = document.querySelector('#live-estimate canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) n++; return n;""")
    assert drawn > 500  # boxes and labels painted over the live video
    _shot(driver, "webcam_live")
    driver.find_element(By.CSS_SELECTOR, "button.live-stop").click()


def test_a_visitor_beyond_the_webcam_limit_sees_the_busy_message(small_app, camera_browser):
    from live_client import call, frame_data_url, live_component
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    component = live_component(small_app)
    assert call(small_app, "live_estimate", {"visitor": "first", "frame": frame_data_url(grace_hopper())},
                component)["status"] == "ok"  # the one place is taken
    try:
        start_webcam(camera_browser, small_app)
        WebDriverWait(camera_browser, 60).until(
            lambda d: "busy" in d.find_element(By.CSS_SELECTOR, ".live-note").text)
        assert "try again shortly" in camera_browser.find_element(By.CSS_SELECTOR, ".live-note").text
        _shot(camera_browser, "webcam_busy")
    finally:
        call(small_app, "live_stop", {"visitor": "first"}, component)
