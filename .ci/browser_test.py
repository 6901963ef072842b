#!/usr/bin/python3
"""Drives headless Chromium through Debian's Selenium against a running Jupyter Notebook 6 server.

usage: browser_test.py BASE_URL TOKEN SHOTS_DIR TIMEOUT_S NOTEBOOK:CHECKS [NOTEBOOK:CHECKS ...]

For each notebook (its outputs were stripped beforehand, so everything checked is what this run
rendered): opens it, waits for the peft4j kernel to be idle, clicks Cell -> Run All, waits until
every code cell has run and the kernel is idle again (at most TIMEOUT_S seconds per notebook), then
checks the rendered page. CHECKS is a comma-separated list of:

  trainable  the tutorial's `trainable params: ...` line in a stream output
  card       an HTML config card (Display.html(PeftConfig): a table, "differs from PEFT's default",
             and a <details> holding adapter_config.json)
  chart      an image/png output drawn by the browser (an <img> with a data:image/png URI and a
             non-zero natural size)

Screenshots go to SHOTS_DIR (NOTEBOOK-stem.png, plus one per checked element). Exits 1 with a
one-line reason per failed check; any error output in the notebook fails the run.
"""
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

TRAINABLE = "trainable params: 1,572,864 || all params: 332,769,280 || trainable%: 0.472659014678278"

# True once the notebook is loaded and the kernel indicator says idle.
JS_IDLE = """
const nb = window.Jupyter && Jupyter.notebook;
if (!nb || !nb._fully_loaded || !nb.kernel) return false;
const icon = document.querySelector('#kernel_indicator_icon');
return !!icon && icon.classList.contains('kernel_idle_icon');
"""

# Progress of Run All: [code cells, cells with a number, cells still queued or running, errors].
JS_PROGRESS = """
const cells = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code');
const done = cells.filter(c => typeof c.input_prompt_number === 'number').length;
const busy = cells.filter(c => c.input_prompt_number === '*').length;
const errors = Array.from(document.querySelectorAll('.output_error')).map(e => e.innerText.slice(0, 400));
return [cells.length, done, busy, errors];
"""


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def wait_for(driver, what, timeout, poll=0.5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if driver.execute_script(what):
            return True
        time.sleep(poll)
    return False


def shoot(driver, element, path):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)
    driver.save_screenshot(path)


def run_notebook(driver, base, token, shots, timeout, name, checks):
    t0 = time.monotonic()
    driver.get("%s/notebooks/%s?token=%s" % (base, name, token))
    if not wait_for(driver, JS_IDLE, 120):
        fail("%s: the notebook did not load with an idle peft4j kernel within 120 s" % name)
    spec = driver.execute_script("return Jupyter.notebook.kernel.name")
    if spec != "peft4j":
        fail("%s: opened with kernel %r, not peft4j" % (name, spec))
    # Through the UI, as a user does it: Cell -> Run All.
    driver.find_element(By.ID, "celllink").click()
    driver.find_element(By.ID, "run_all_cells").click()
    end = t0 + timeout
    total = done = 0
    while True:
        total, done, busy, errors = driver.execute_script(JS_PROGRESS)
        if errors:
            driver.save_screenshot(os.path.join(shots, stem(name) + "-error.png"))
            fail("%s: a cell failed: %s" % (name, errors[0].replace("\n", " | ")))
        if done == total and busy == 0 and driver.execute_script(JS_IDLE):
            break
        if time.monotonic() > end:
            driver.save_screenshot(os.path.join(shots, stem(name) + "-timeout.png"))
            fail("%s: %d of %d code cells ran within %d s" % (name, done, total, timeout))
        time.sleep(1)
    print("   %s: %d code cells ran in %.0f s" % (name, total, time.monotonic() - t0))

    problems = []
    last = None
    for check in checks:
        if check == "trainable":
            hits = [e for e in driver.find_elements(By.CSS_SELECTOR, ".output_stream pre")
                    if TRAINABLE in e.text]
            if not hits:
                problems.append("no stream output shows: " + TRAINABLE)
            else:
                last = hits[0]
        elif check == "card":
            cards = [e for e in driver.find_elements(By.CSS_SELECTOR, ".output_html")
                     if "differs from PEFT's default" in e.text
                     and e.find_elements(By.CSS_SELECTOR, "table")
                     and any("adapter_config.json" in s.text
                             for s in e.find_elements(By.CSS_SELECTOR, "details > summary"))]
            if not cards:
                problems.append("no HTML config card (table, defaults note, adapter_config.json)")
            else:
                shoot(driver, cards[0], os.path.join(shots, stem(name) + "-config-card.png"))
                last = last or cards[0]
        elif check == "chart":
            imgs = [e for e in driver.find_elements(By.CSS_SELECTOR, ".output_png img")
                    if (e.get_attribute("src") or "").startswith("data:image/png;base64,")
                    and driver.execute_script(
                        "return arguments[0].complete && arguments[0].naturalWidth", e)]
            if not imgs:
                problems.append("no image/png output drawn by the browser")
            else:
                shoot(driver, imgs[0], os.path.join(shots, stem(name) + "-chart.png"))
                last = imgs[-1]
        else:
            fail("unknown check %r" % check)
    if last is not None:
        shoot(driver, last, os.path.join(shots, stem(name) + ".png"))
    else:
        driver.save_screenshot(os.path.join(shots, stem(name) + ".png"))
    # Leave the server with nothing running; the next notebook gets a kernel of its own.
    driver.execute_script("Jupyter.notebook.session.delete()")
    for p in problems:
        print("FAIL: %s: %s" % (name, p), file=sys.stderr)
    return not problems


def stem(name):
    return os.path.splitext(os.path.basename(name))[0]


def main():
    if len(sys.argv) < 6:
        fail(__doc__.strip().splitlines()[2])
    base, token, shots, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.makedirs(shots, exist_ok=True)
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + os.path.join(os.environ.get("HOME", "/tmp"), "chromium")):
        opts.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    except WebDriverException as e:
        fail("cannot start headless Chromium: %s" % e.msg)
    ok = True
    try:
        driver.set_script_timeout(30)
        driver.set_page_load_timeout(120)
        for spec in sys.argv[5:]:
            name, _, checks = spec.partition(":")
            ok = run_notebook(driver, base, token, shots, timeout, name,
                              [c for c in checks.split(",") if c]) and ok
    finally:
        driver.quit()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
