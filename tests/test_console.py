"""The console through Flask's test client: every route guarded (token, Host, Origin), uploads limited and kept in
the inbox, downloads only from outputs/, and each page calling the same library functions as the commands."""
from __future__ import annotations

import re
import shutil
import threading
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from conftest import SEED_NOTICE
from console_helpers import BASE, PORT, TOKEN, client_for, make_app, printed_address, wait_for_job
from toolkit.console import jobs as jobs_module
from toolkit.console.files import Refused, download_path, save_upload, upload_name
from toolkit.workspace import Workspace

PERIOD = "2024-W12"
CONSOLE = Path(__file__).resolve().parent.parent / "toolkit" / "console"


@pytest.fixture
def app(parsed_workspace):
    return make_app(parsed_workspace)


@pytest.fixture
def client(app):
    return client_for(app)


@pytest.fixture
def notice_only(tmp_path) -> Path:
    """A workspace holding the notice and nothing else yet."""
    ws = tmp_path / "ws"
    (ws / "inputs").mkdir(parents=True)
    shutil.copy(SEED_NOTICE, ws / "inputs" / SEED_NOTICE.name)
    return ws


def every_route(app):
    """(method, url) for every rule of the app, with sample values for its variables."""
    samples = {"job_id": "0123456789abcdef", "filename": "console.css"}
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", samples[name]).replace(f"<path:{name}>", samples[name])
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, url


def text(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------ the guard

def test_the_app_has_a_route_for_every_step(app):
    urls = {url for _, url in every_route(app)}
    for page in ("/", "/notice", "/issue", "/collect", "/status", "/circular", "/ledger"):
        assert page in urls


def test_every_route_needs_the_token(app):
    client = client_for(app, with_token=False)
    for method, url in every_route(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url)
        assert "令牌" in text(response), (method, url)


def test_a_wrong_token_is_refused(app):
    client = client_for(app, with_token=False)
    assert client.get("/?token=guess").status_code == 403
    client.set_cookie("toolkit_token_8765", "guess", domain="127.0.0.1")
    assert client.get("/").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(app):
    client = client_for(app, with_token=False)
    response = client.get(f"/issue?token={TOKEN}&period={PERIOD}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/issue?period={PERIOD}"
    cookie = response.headers["Set-Cookie"]
    assert f"toolkit_token_{PORT}={TOKEN}" in cookie.replace('"', "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get(f"/issue?period={PERIOD}").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9999", "192.168.1.20:8765",
                                  "localhost", "127.0.0.1"])
def test_every_route_refuses_another_host(app, host):
    client = client_for(app)
    client.host = host
    for method, url in every_route(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (host, method, url)


def test_localhost_with_the_port_is_accepted(app):
    client = client_for(app, host=f"localhost:{PORT}")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("header", ["Origin", "Referer"])
@pytest.mark.parametrize("source", ["http://evil.example", f"http://evil.example:{PORT}", "http://127.0.0.1:9999",
                                    "https://127.0.0.1:8765", "null"])
def test_every_route_refuses_another_origin(app, header, source):
    client = client_for(app)
    for method, url in every_route(app):
        response = client.open(url, method=method, headers={header: source + ("/" if header == "Referer" else "")})
        assert response.status_code == 403, (header, source, method, url)
        assert "其他网站" in text(response)


def test_the_console_own_origin_is_accepted(client):
    response = client.post("/collect/upload", data={"period": PERIOD, "files": (BytesIO(b"x"), "a.xlsx")},
                           headers={"Origin": BASE, "Referer": f"{BASE}/collect"})
    assert response.status_code == 302


def test_pages_forbid_framing_and_outside_requests(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_page_asset_comes_from_another_site():
    for path in list((CONSOLE / "templates").glob("*.html")) + list((CONSOLE / "static").glob("*")):
        content = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", content, re.I), path.name


# ------------------------------------------------------------------ uploads

def test_an_upload_over_the_request_limit_is_refused(parsed_workspace):
    app = make_app(parsed_workspace, max_request_mb=1)
    client = client_for(app)
    big = BytesIO(b"0" * (2 * 1024 * 1024))
    response = client.post("/collect/upload", data={"period": PERIOD, "files": (big, "大.xlsx")},
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 413
    assert "太大" in response.get_json()["error"]
    assert not list(Workspace.at(parsed_workspace).returns(PERIOD).glob("*"))


def test_a_returned_file_over_the_per_file_limit_is_refused_alone(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    (ws.inputs / "toolkit.toml").write_text("[limits]\nmax_file_mb = 0.5\n", encoding="utf-8")
    client = client_for(make_app(parsed_workspace))
    response = client.post("/collect/upload", headers={"X-Requested-With": "fetch"}, data={
        "period": PERIOD, "files": [(BytesIO(b"1" * 700_000), "大安镇.xlsx"), (BytesIO(b"small"), "新兖镇.xlsx")]})
    result = response.get_json()
    assert result["saved"] == ["新兖镇.xlsx"]
    assert len(result["refused"]) == 1 and "大安镇.xlsx" in result["refused"][0] and "0.5 MB" in result["refused"][0]
    assert sorted(p.name for p in ws.returns(PERIOD).iterdir()) == ["新兖镇.xlsx"]


@pytest.mark.parametrize("name", ["../../outputs/台账.xlsx", "..\\..\\outputs\\台账.xlsx", "/etc/passwd",
                                  "C:\\Windows\\win.ini", "子目录/../../../逃逸.xlsx", "..", "....//....//x.xlsx",
                                  "a\x00b.xlsx"])
def test_a_path_in_a_file_name_cannot_escape_the_inbox(parsed_workspace, name):
    ws = Workspace.at(parsed_workspace)
    ledger_before = ws.ledger.read_bytes()
    client = client_for(make_app(parsed_workspace))
    response = client.post("/collect/upload", headers={"X-Requested-With": "fetch"},
                           data={"period": PERIOD, "files": (BytesIO(b"content"), name)})
    saved = response.get_json()["saved"]
    assert len(saved) == 1
    inbox = ws.returns(PERIOD)
    files = [p for p in ws.root.rglob("*") if p.is_file() and p.read_bytes() == b"content"]
    assert files == [inbox / saved[0]], files
    assert "/" not in saved[0] and "\\" not in saved[0] and not saved[0].startswith(".")
    assert ws.ledger.read_bytes() == ledger_before


def test_a_notice_upload_stays_in_inputs(parsed_workspace):
    ws = Workspace.at(parsed_workspace)
    client = client_for(make_app(parsed_workspace))
    response = client.post("/notice/upload", data={"notice": (BytesIO(SEED_NOTICE.read_bytes()), "../../新通知.txt")})
    assert response.status_code == 302 and "file=" in response.headers["Location"]
    assert (ws.inputs / "新通知.txt").read_bytes() == SEED_NOTICE.read_bytes()
    assert not (ws.root.parent / "新通知.txt").exists()


def test_a_resent_file_does_not_overwrite_the_first(tmp_path):
    first = save_upload(tmp_path, "民政局.xlsx", BytesIO(b"1"), 1)
    second = save_upload(tmp_path, "民政局.xlsx", BytesIO(b"2"), 1)
    assert (first.name, second.name) == ("民政局.xlsx", "民政局(1).xlsx")
    assert first.read_bytes() == b"1" and second.read_bytes() == b"2"


def test_an_upload_keeps_the_time_the_unit_saved_it(tmp_path):
    saved = save_upload(tmp_path, "a.xlsx", BytesIO(b"1"), 1, modified_ms="1710900000000")
    assert saved.stat().st_mtime == 1710900000
    future = save_upload(tmp_path, "b.xlsx", BytesIO(b"1"), 1, modified_ms="99999999999999")
    odd = save_upload(tmp_path, "c.xlsx", BytesIO(b"1"), 1, modified_ms="昨天")
    assert future.stat().st_mtime > 1710900000 * 1.01 and odd.stat().st_mtime > 1710900000 * 1.01


def test_upload_names_keep_only_the_last_part():
    assert upload_name("C:\\Users\\张三\\Desktop\\区民政局.xlsx") == "区民政局.xlsx"
    assert upload_name("../../x.xlsx") == "x.xlsx"
    assert upload_name("") == "未命名文件"


def test_a_notice_of_another_kind_is_refused(client, parsed_workspace):
    response = client.post("/notice/upload", data={"notice": (BytesIO(b"MZ"), "setup.exe")})
    assert response.status_code == 302
    assert not (Path(parsed_workspace) / "inputs" / "setup.exe").exists()
    assert "不是通知文件" in text(client.get("/notice"))


# ------------------------------------------------------------------ downloads and opening folders

@pytest.mark.parametrize("path", ["../inputs/济兖政发〔2024〕1号.txt", "/etc/passwd", ".office_key", "备份/../.office_key",
                                  "..", "", "进展记录.sqlite/../../inputs/toolkit.toml", "C:/Windows/win.ini",
                                  "./.office_key", "..\\inputs\\toolkit.toml"])
def test_downloads_come_only_from_outputs(client, parsed_workspace, path):
    (Path(parsed_workspace) / "outputs" / ".office_key").write_bytes(b"secret")
    response = client.get("/files/download", query_string={"path": path})
    assert response.status_code == 404
    assert b"secret" not in response.data


@pytest.mark.parametrize("path", [".", "", "..", "../inputs", ".hidden", "/tmp"])
def test_folder_zips_come_only_from_visible_folders_of_outputs(client, parsed_workspace, path):
    (Path(parsed_workspace) / "outputs" / ".hidden").mkdir()
    (Path(parsed_workspace) / "outputs" / ".hidden" / "x.txt").write_text("secret")
    response = client.get("/files/zip", query_string={"path": path})
    assert response.status_code == 404 and b"secret" not in response.data


def test_the_ledger_can_be_downloaded(client, parsed_workspace):
    response = client.get("/files/download", query_string={"path": "台账.xlsx"})
    assert response.status_code == 200
    assert response.data == (Path(parsed_workspace) / "outputs" / "台账.xlsx").read_bytes()


def test_download_path_refuses_links_out_of_outputs(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    (outputs / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(Refused):
        download_path(outputs, "link.txt")


def test_open_folder_only_inside_outputs(app, client, parsed_workspace):
    assert client.post("/files/open", data={"path": "../inputs"}).status_code == 404
    assert client.post("/files/open", data={"path": "台账.xlsx", "back": "//evil.example/"}).headers["Location"] == "/"
    assert app.config["OPENED"] == [Path(parsed_workspace).resolve() / "outputs" / "台账.xlsx"]


def test_job_progress_of_an_unknown_job_is_404(client):
    assert client.get("/jobs/nope").status_code == 404


def test_refusals_are_in_chinese(client):
    for url in ("/no-such-page", "/files/download?path=nope.xlsx"):
        body = text(client.get(url))
        assert re.search(r"[\u4e00-\u9fff]", body) and "Not Found" not in body and "requested URL" not in body
    assert "Method Not Allowed" not in text(client.get("/issue/run"))


# ------------------------------------------------------------------ the pages, one library call each

def test_home_suggests_this_week_and_lists_the_steps(client):
    body = text(client.get("/"))
    assert "工作台" in body and "解析通知，建立总台账" in body and "生成通报" in body
    assert re.search(r"本期：<strong>\d{4}年第\d+周", body)
    assert "✔" in body          # the ledger exists in a parsed workspace


def test_a_period_that_does_not_exist_is_told(client):
    body = text(client.get("/issue?period=下周"))
    assert "无法识别" in body and "2024-W12" in body


def test_notice_page_previews_without_writing(notice_only):
    ws = notice_only
    client = client_for(make_app(ws))
    body = text(client.get("/notice", query_string={"file": SEED_NOTICE.name}))
    assert '<strong id="task-count">76</strong>' in body
    assert body.count("<tr><td>") == 76 and "区工业和信息化局" in body and "排第一位（推定）" in body
    assert not (ws / "outputs").exists()


def test_notice_page_builds_the_ledger_and_refuses_a_second_time_without_force(notice_only):
    ws = notice_only
    client = client_for(make_app(ws))
    body = text(client.post("/notice/build", data={"file": SEED_NOTICE.name}))
    assert "台账已建立" in body and (ws / "outputs" / "台账.xlsx").exists()
    body = text(client.post("/notice/build", data={"file": SEED_NOTICE.name}))
    assert "已存在" in body and "--force" in body
    body = text(client.post("/notice/build", data={"file": SEED_NOTICE.name, "force": "1"}))
    assert "台账已建立" in body and list((ws / "outputs" / "备份").glob("*"))


def test_notice_build_takes_a_name_from_inputs_only(client):
    body = text(client.post("/notice/build", data={"file": "../../etc/passwd"}, follow_redirects=True))
    assert "请先选择 inputs/ 中的通知文件" in body


def test_the_console_waits_for_a_running_command(app, client, parsed_workspace):
    """A command holding the workspace lock stops the console's issue with the command's own sentence."""
    from toolkit.ledger import ledger_lock

    with ledger_lock(Workspace.at(parsed_workspace)):
        job = wait_for_job(app, client.post("/issue/run", data={"period": PERIOD}).headers["Location"])
    assert job.state == "failed" and "另一个 toolkit 命令正在处理此工作区" in job.error
    assert not (Path(parsed_workspace) / "outputs" / PERIOD / "下发").exists()


def test_only_one_job_runs_at_a_time():
    registry = jobs_module.Jobs()
    release = threading.Event()
    first = registry.start("慢", "/", lambda job: release.wait(10), lambda value: [])
    with pytest.raises(jobs_module.Busy):
        registry.start("又一个", "/", lambda job: None, lambda value: [])
    release.set()
    while first.state == "running":
        threading.Event().wait(0.05)
    assert first.state == "done"
    registry.start("现在可以", "/", lambda job: None, lambda value: [])


def test_ledger_page_shows_the_overview(client):
    body = text(client.get("/ledger"))
    assert '<strong id="task-total">76</strong>' in body and "未报送" in body and "按牵头领导" in body
    assert "台账中没有等待审核的事项" in body


def test_ledger_page_without_a_ledger(tmp_path):
    (tmp_path / "ws").mkdir()
    body = text(client_for(make_app(tmp_path / "ws")).get("/ledger"))
    assert "还没有台账" in body


def test_review_sheets_waiting_for_a_decision_are_counted(client, parsed_workspace):
    from openpyxl import load_workbook

    path = Path(parsed_workspace) / "outputs" / "台账.xlsx"
    book = load_workbook(path)
    sheet = book["销号审核"]            # the ledger's own review sheet (issue 13), filled as collect would
    header = [c.value for c in sheet[1]]
    for task, unit, decision in (("1", "区工业和信息化局", None), ("2", "区统计局", "同意")):
        row = [None] * len(header)
        row[header.index("任务序号")], row[header.index("申请单位")] = task, unit
        row[header.index("审核意见")] = decision
        sheet.append(row)
    book.save(path)
    assert "销号审核：1 条等待审核意见" in text(client.get("/ledger"))


# ------------------------------------------------------------------ the week through the pages

def fill_issued(ws: Workspace, units: list[str], target: Path) -> list[Path]:
    from test_collect import fill

    return [fill(ws.issued_dir(PERIOD) / f"{u}.xlsx", target / f"{u}.xlsx") for u in units]


def test_the_week_through_the_pages(app, client, parsed_workspace, tmp_path):
    ws = Workspace.at(parsed_workspace)
    issue = wait_for_job(app, client.post("/issue/run", data={"period": PERIOD}).headers["Location"])
    assert issue.state == "done", issue.error
    assert issue.total == issue.done == len(list(ws.issued_dir(PERIOD).glob("*.xlsx"))) > 40
    body = text(client.get(f"/issue?period={PERIOD}&job={issue.id}"))
    assert "2024-03-21 17:00" in body and f'<span id="issued-count">{issue.total}</span>' in body
    assert "各有关单位：" in body and 'data-copy="issue-notice"' in body and "提醒：" in body

    archive = client.get("/files/zip", query_string={"path": f"{PERIOD}/下发"})
    assert archive.status_code == 200
    assert len(zipfile.ZipFile(BytesIO(archive.data)).namelist()) == issue.total
    client.post("/files/open", data={"path": f"{PERIOD}/下发"})
    assert app.config["OPENED"][-1] == ws.issued_dir(PERIOD)

    filled = fill_issued(ws, ["区发展和改革局", "区民政局"], tmp_path / "filled")
    response = client.post("/collect/upload", headers={"X-Requested-With": "fetch"}, data={
        "period": PERIOD, "files": [(BytesIO(p.read_bytes()), p.name) for p in filled]
        + [(BytesIO(b"not a workbook"), "坏文件.xlsx")],
        "modified": [str(int(p.stat().st_mtime * 1000)) for p in filled]})     # as the browser sends lastModified
    assert response.get_json() == {"saved": ["区发展和改革局.xlsx", "区民政局.xlsx", "坏文件.xlsx"], "refused": []}
    assert '<span id="inbox-count">3</span>' in text(client.get(f"/collect?period={PERIOD}"))

    collect = wait_for_job(app, client.post("/collect/run", data={"period": PERIOD}).headers["Location"])
    assert collect.state == "done", collect.error
    assert collect.step == "校验回收文件" and collect.done == collect.total == 3
    body = text(client.get(f"/collect?period={PERIOD}&job={collect.id}"))
    assert "退回 1 个" in body and 'id="report-table"' in body and "unsupported-format" in body
    assert "退回说明（1 份" in body and "坏文件.xlsx" in body

    body = text(client.get(f"/status?period={PERIOD}"))
    assert '<b id="n-reported">2</b>' in body and "区民政局" in body and "【催报】" in body
    assert '<b id="n-late">0</b>' in body       # the files kept the time the units saved them

    circular = wait_for_job(app, client.post("/circular/run", data={"period": PERIOD}).headers["Location"])
    assert circular.state == "done", circular.error
    docx = ws.circular_dir(PERIOD) / circular.value[0].name
    body = text(client.get(f"/circular?period={PERIOD}&job={circular.id}"))
    assert docx.name in body and "依据第12周" in body and 'id="first-page"' in body
    download = client.get("/files/download", query_string={"path": f"{PERIOD}/通报/{docx.name}"})
    assert download.status_code == 200 and download.data == docx.read_bytes()

    body = text(client.get(f"/?period={PERIOD}"))
    assert body.count("✔") == 6 and "本期各步骤都已完成" in body


def test_circular_refused_without_collected_data_shows_why(app, client):
    job = wait_for_job(app, client.post("/circular/run", data={"period": PERIOD}).headers["Location"])
    assert job.state == "failed" and "toolkit collect" in job.error
    assert "未完成" in text(client.get(f"/circular?period={PERIOD}&job={job.id}"))


def test_the_same_period_is_remembered_between_pages(client):
    client.get("/issue?period=2024-03上旬")
    assert "2024-03上旬" in text(client.get("/status"))


# ------------------------------------------------------------------ toolkit serve

def test_serve_binds_127_0_0_1_prints_the_address_and_requires_the_token(parsed_workspace):
    import os
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen([sys.executable, "-m", "toolkit", "-w", str(parsed_workspace), "serve", "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = printed_address(process)
        port = re.search(r":(\d+)/", url).group(1)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/")
        assert refused.value.code == 403
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url).read().decode("utf-8")
        assert "工作台" in page
        connections = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout \
            if shutil.which("ss") else f"127.0.0.1:{port}"
        assert f"127.0.0.1:{port}" in connections and f"0.0.0.0:{port}" not in connections
    finally:
        process.terminate()
        process.wait(timeout=10)
