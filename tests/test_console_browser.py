"""The whole week in a real browser (headless Chromium through Selenium) against `toolkit serve`:
upload the notice, build the ledger, issue a week, drop returned files, collect, read the report, render the
circular, download it — checking what each page shows. Screenshots at 1366×768 go to $TOOLKIT_SCREENSHOTS if set."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEED_NOTICE
from console_helpers import printed_address
from toolkit.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-W12"
SKIP_REASON = ("需要 Chromium 和 chromedriver（Debian：apt-get install chromium chromium-driver；"
               "scripts/test.sh 以 root 运行时会自动安装）")


def browser_paths() -> tuple[str, str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver") or ("/usr/lib/chromium/chromedriver"
                                              if Path("/usr/lib/chromium/chromedriver").exists() else None)
    if not binary or not driver:
        pytest.skip(SKIP_REASON)
    return binary, driver


@pytest.fixture
def console(tmp_path):
    """`toolkit serve --no-browser` on a fresh workspace; yields (workspace, first URL with the token)."""
    ws = tmp_path / "督查"
    (ws / "inputs").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "toolkit", "-w", str(ws), "serve", "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        yield Workspace.at(ws), printed_address(process)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def browser(tmp_path):
    binary, driver_path = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "下载"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start is a skip, with the reason
        pytest.skip(f"{SKIP_REASON}；启动失败：{type(exc).__name__}: {str(exc)[:200]}")
    driver.set_window_size(1366, 768)
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    except Exception:  # noqa: BLE001 - older drivers take the prefs above
        pass
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_until(condition, timeout: float = 240.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - the page may be reloading
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def shoot(driver, name: str) -> None:
    folder = os.environ.get("TOOLKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def body_text(driver) -> str:
    return driver.find_element("tag name", "body").text


def fill_returns(ws: Workspace, target: Path) -> list[Path]:
    from test_collect import fill

    files = [fill(ws.issued_dir(PERIOD) / f"{u}.xlsx", target / f"{u}.xlsx") for u in ("区发展和改革局", "区民政局")]
    bad = target / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    return files + [bad]


def assert_no_console_errors(driver, origin: str) -> None:
    """No script error, no CSP violation, no request to anywhere but the console itself."""
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon.ico" not in e["message"]]
    assert not severe, severe
    names = driver.execute_script("return performance.getEntries().map(e => e.name)")
    assert all(n.startswith(origin) for n in names if n.startswith("http")), names


def test_the_whole_week_in_a_real_browser(console, browser, tmp_path):
    ws, url = console
    origin = re.match(r"http://127\.0\.0\.1:\d+", url).group(0)
    find = browser.find_element

    browser.get(url)                                         # the token becomes a cookie, the address drops it
    assert "token=" not in browser.current_url
    assert "工作台" in browser.title and "还没有台账" in body_text(browser)
    shoot(browser, "1-工作台-空")

    browser.get(f"{origin}/notice")                          # upload the notice, see the --check table
    find("id", "notice-file").send_keys(str(SEED_NOTICE))
    find("id", "notice-upload").click()
    wait_until(lambda: find("id", "task-count").text == "76", 60, "the parse preview")
    rows = browser.find_elements("css selector", "#check-table tbody tr")
    assert len(rows) == 76 and "区工业和信息化局" in rows[0].text
    assert "排第一位（推定）" in rows[0].text
    assert not ws.ledger.exists()
    shoot(browser, "2-通知-预览")
    filter_box = find("css selector", "[data-filter-for=check-table]")
    filter_box.send_keys("5G")
    assert 0 < len([r for r in rows if r.is_displayed()]) < 76
    filter_box.clear()

    find("id", "build-ledger").click()                       # build the ledger
    wait_until(lambda: "台账已建立" in body_text(browser), 120, "the ledger")
    assert ws.ledger.exists() and "识别任务 76 项" in body_text(browser)
    shoot(browser, "3-通知-台账已建立")

    browser.get(f"{origin}/issue")                           # choose the week, see its due time, issue it
    period_box = find("id", "period-input")
    period_box.clear()
    period_box.send_keys(PERIOD)
    find("css selector", "form.period button").click()
    wait_until(lambda: find("id", "due").text == "2024-03-21 17:00", 30, "the due time")
    assert "2024年第12周（3月18日—3月24日）" in body_text(browser)
    find("id", "issue-run").click()
    wait_until(lambda: find("id", "issued-count").text, 240, "the issued forms")
    issued = len(list(ws.issued_dir(PERIOD).glob("*.xlsx")))
    assert find("id", "issued-count").text == str(issued) and issued > 40
    assert "各有关单位：" in find("id", "issue-notice").get_attribute("value")
    shoot(browser, "4-下发")

    browser.get(f"{origin}/collect")                         # drop the returned files into the inbox
    assert PERIOD in find("id", "period-input").get_attribute("value")
    returned = fill_returns(ws, tmp_path / "各单位报回")
    find("id", "return-files").send_keys("\n".join(str(p) for p in returned))
    wait_until(lambda: find("id", "inbox-count").text == "3", 60, "the files in the inbox")
    assert sorted(p.name for p in ws.returns(PERIOD).iterdir()) == sorted(p.name for p in returned)
    shoot(browser, "5-回收-文件已放入")

    find("id", "collect-run").click()                        # collect with the progress bar, read the report
    wait_until(lambda: browser.find_elements("id", "report-table"), 240, "the report")
    outcome = body_text(browser)
    assert "回收" in outcome and "完成" in outcome and "退回 1 个" in outcome
    report_rows = browser.find_elements("css selector", "#report-table tbody tr")
    assert any("unsupported-format" in r.text for r in report_rows)
    find("id", "report-filter").send_keys("unsupported-format")
    shown = [r for r in report_rows if r.is_displayed()]
    assert len(shown) == 1 and "坏文件.xlsx" in shown[0].text
    find("id", "report-filter").clear()
    browser.find_elements("css selector", "#report-table th")[1].click()
    assert "asc" in browser.find_elements("css selector", "#report-table th")[1].get_attribute("class")
    assert "退回说明（1 份" in body_text(browser)
    shoot(browser, "6-回收-校验报告")

    browser.get(f"{origin}/status")                          # who has sent, who is missing, the 催报 text
    assert find("id", "n-reported").text == "2"
    assert find("id", "n-late").text == "0"              # the upload kept the time each unit saved its file
    assert "区民政局" in find("id", "reported").text and "【催报】" in find("id", "reminder").get_attribute("value")
    shoot(browser, "7-报送情况")

    browser.get(f"{origin}/circular")                        # render the circular, preview, download
    find("id", "circular-run").click()
    wait_until(lambda: browser.find_elements("css selector", "#circulars a.download"), 300, "the circular")
    links = browser.find_elements("css selector", "#circulars a.download")
    docx = next(a for a in links if a.text.endswith(".docx"))
    name = docx.text
    assert name.startswith("周盘点") or "周盘点" in name
    preview = find("id", "first-page")
    if preview.tag_name == "img":                            # LibreOffice made a PDF: its first page as an image
        wait_until(lambda: browser.execute_script("return arguments[0].naturalWidth", preview) > 100, 60, "preview")
    else:
        assert "依据第12周" in preview.text
    shoot(browser, "8-通报")
    docx.click()
    expected = (ws.circular_dir(PERIOD) / name).read_bytes()
    wait_until(lambda: (browser.downloads / name).is_file() and (browser.downloads / name).read_bytes() == expected
               and not list(browser.downloads.glob("*.crdownload")), 60, "the whole download")

    browser.get(f"{origin}/ledger")                          # the overview numbers
    assert find("id", "task-total").text == "76" and "按牵头领导" in body_text(browser)
    shoot(browser, "9-台账")

    browser.get(f"{origin}/")                                # the checklist is complete
    assert "本期各步骤都已完成" in body_text(browser)
    assert len(browser.find_elements("css selector", ".checklist li.done")) == 6
    shoot(browser, "10-工作台-完成")
    assert_no_console_errors(browser, origin)


def test_a_browser_without_the_token_is_turned_away(console, browser):
    ws, url = console
    origin = re.match(r"http://127\.0\.0\.1:\d+", url).group(0)
    browser.get(f"{origin}/")
    assert "缺少访问令牌" in body_text(browser)
    shoot(browser, "0-没有令牌")
