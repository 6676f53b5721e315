"""End to end: start app.py, drive it in headless Chromium (Debian's chromium and chromium-driver).

Screenshots of every tab go to $UTK_SCREENSHOTS when set (that is how docs/screenshots/ is made).
"""
import os
import time
from pathlib import Path

import cv2
import pytest
from chromium import available, chrome, open_tab, page_errors, start_webcam, uploaded_bytes
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
    wait = WebDriverWait(browser, 180)  # the first estimate loads the model; a busy CI machine is slow
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


def _updates(driver) -> int:
    from selenium.webdriver.common.by import By
    return int(driver.find_element(By.ID, "live-estimate").get_attribute("data-updates") or 0)


def _listed(driver, people: int = 2) -> list[tuple[float, str]]:
    """(age, gender) of each person in #live-faces, once `people` are listed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    text = WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.ID, "live-faces").text if d.find_element(By.ID, "live-faces").text.count("#") >= people
        else None)
    lines = [line for line in text.splitlines() if line.startswith("#")]
    return [(float(line.split()[1]), "female" if "female" in line else "male") for line in lines]


@pytest.mark.parametrize("mode", ["device", "server"])
def test_webcam_draws_estimates_over_the_camera_and_lists_each_person(server, camera_browser, mode):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver = camera_browser
    start_webcam(driver, server, mode=mode)
    wait = WebDriverWait(driver, 90)
    updates = _updates
    first = wait.until(lambda d: updates(d) or None)
    assert driver.find_element(By.ID, "live-estimate").get_attribute("data-mode") == mode
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
    _shot(driver, f"webcam_live_{mode}")
    driver.find_element(By.CSS_SELECTOR, "button.live-stop").click()


def test_the_webcam_runs_on_the_device_by_default_and_sends_no_frame(server, camera_browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver = camera_browser
    start_webcam(driver, server)
    first = WebDriverWait(driver, 90).until(lambda d: _updates(d) or None)
    assert driver.find_element(By.ID, "live-estimate").get_attribute("data-mode") == "device"
    uploaded_bytes(driver)  # what loading sent is not streaming
    time.sleep(5)
    sent, urls = uploaded_bytes(driver)
    assert _updates(driver) >= first + 10 and sent < 20_000, (sent, urls)
    driver.find_element(By.CSS_SELECTOR, "button.live-stop").click()


PARITY = """
const [live, vendor, detector, network, size, calibration, frames, done] = arguments;
(async () => {
  const { loadRuntime, loadSessions } = await import(`${live}/runtime.mjs`);
  const { DeviceEstimator } = await import(`${live}/device.mjs`);
  const ort = await loadRuntime(vendor);
  const sessions = await loadSessions(ort, { detector, network });
  const results = [];
  for (const url of frames) {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    canvas.getContext("2d").drawImage(image, 0, 0);
    const estimator = new DeviceEstimator(ort, sessions, calibration, size);  // one frame, its own tracker
    results.push((await estimator.estimate(canvas)).people);
  }
  done(results);
})().catch((error) => done(String(error)));
"""


def test_the_device_path_reads_recorded_frames_as_the_server_path_does(server, camera_browser):
    """The same frames through both paths: the same faces, ages within a year, the same genders."""
    import base64
    import json

    import numpy as np
    from scenes import moving_scene

    import app
    from utk_cnn.live.sessions import LiveSessions
    handlers = app.Handlers()
    frames = [cv2.resize(f, (320, 240), interpolation=cv2.INTER_AREA) for f in moving_scene(60, faces=2)[::10]]
    urls = ["data:image/png;base64," + base64.b64encode(cv2.imencode(".png", f[:, :, ::-1])[1]).decode() for f in frames]
    page = handlers.webcam_html()
    field = {key: page.split(f'data-{key}="')[1].split('"')[0] for key in ("live", "vendor", "detector-url", "network-url")}
    calibration = json.loads(page.split("data-calibration='")[1].split("'")[0].replace("&quot;", '"'))
    camera_browser.get(server)
    camera_browser.set_script_timeout(120)
    device = camera_browser.execute_async_script(PARITY, field["live"], field["vendor"], field["detector-url"],
                                                 field["network-url"], handlers.predictor.image_size, calibration, urls)
    assert isinstance(device, list), device
    server_side = [LiveSessions(handlers.predictor).estimate(str(i), url)["people"] for i, url in enumerate(urls)]
    assert [len(d) for d in device] == [len(s) for s in server_side] and sum(map(len, device)) >= len(frames)
    pairs = [(d, s) for on_device, on_server in zip(device, server_side)
             for d, s in zip(sorted(on_device, key=lambda p: p["box"][0]), sorted(on_server, key=lambda p: p["box"][0]))]
    assert np.median([abs(d["age"] - s["age"]) for d, s in pairs]) <= 1.0
    assert np.mean([d["gender"] == s["gender"] for d, s in pairs]) >= 0.97
    assert all(abs(d["box"][0] - s["box"][0]) <= 4 for d, s in pairs)  # the same faces, where the server finds them


def test_a_runtime_that_fails_to_load_falls_back_to_the_server_with_a_note(server, camera_browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    start_webcam(camera_browser, server, before_start=(
        "document.querySelector('#live-estimate').dataset.vendor = '/gradio_api/file=/no/such/runtime';"))
    first = WebDriverWait(camera_browser, 90).until(lambda d: _updates(d) or None)
    assert first and camera_browser.find_element(By.ID, "live-estimate").get_attribute("data-mode") == "server"
    assert "could not run the models" in camera_browser.find_element(By.CSS_SELECTOR, ".live-mode-note").text
    camera_browser.find_element(By.CSS_SELECTOR, "button.live-stop").click()


def test_a_visitor_beyond_the_webcam_limit_sees_the_busy_message(small_app, camera_browser):
    from live_client import estimate, frame_data_url, stop
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    assert estimate(small_app, "first", frame_data_url(grace_hopper()))["status"] == "ok"  # the one place is taken
    try:
        start_webcam(camera_browser, small_app, mode="server")
        WebDriverWait(camera_browser, 60).until(
            lambda d: "busy" in d.find_element(By.CSS_SELECTOR, ".live-note").text)
        assert "try again shortly" in camera_browser.find_element(By.CSS_SELECTOR, ".live-note").text
        _shot(camera_browser, "webcam_busy")
    finally:
        stop(small_app, "first")
