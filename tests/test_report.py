"""The HTML report in real headless Chromium (Debian's, driven by playwright), its gold file, and
the terminal summary's colour and quiet modes."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
GOLD = FIXTURES / "report" / "gold.html"

# Reports from real captures and outputs: no GPU, NVIDIA multi-GPU, Apple, an AMD APU, a datacentre GPU.
CASES = {
    "no-gpu": [FIXTURES / "linux" / "amd-zen"],
    "nvidia-8xh200": [FIXTURES / "nvidia" / "table-8xh200-r570.txt"],
    "apple-m1": [FIXTURES / "apple" / "system-profiler-displays-json-m1-macbookair-pytorch-serve.json"],
    "amd-apu": [FIXTURES / "amd" / "rocm-smi-showallinfo-apu-barcelo-ryzen5-5625u-gentoo.txt"],
    "h200-capture": [FIXTURES / "nvidia" / "device-h200-readiness" / "capture"],
}


def render(run, tmp_path, name, paths, *extra):
    out = tmp_path / f"{name}.html"
    r = run("check", "--no-torch", "-o", str(out), "--from", *[str(p) for p in paths], *extra)
    assert r.exit_code == 0, r.output
    return out


def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (.ci/run does: apt-get install chromium)")
        pytest.skip("no Chromium here")
    return playwright, exe


@pytest.fixture(scope="module")
def chromium():
    playwright, exe = browser()
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_in_chromium(run, tmp_path, chromium, name):
    path = render(run, tmp_path, name, CASES[name])
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page = chromium.new_page(viewport={"width": width, "height": 900})
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        assert errors == []
        assert [u for u in requests if not u.startswith("file:")] == []  # no network, ever
        for section in ("#verdict", "#machine", "#stack", "#workloads", "#costs", "#appendix", "#methods"):
            assert page.locator(section).is_visible(), section
        assert page.locator("h1").count() == 1 and page.locator("h2").count() >= 5
        # nothing spills sideways on a phone: the page is no wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(ARTIFACTS / f"report-{name}-{width}.png"), full_page=True)
        page.close()
    dark = chromium.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    dark.goto(path.as_uri())
    bg = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(255, 255, 255)"  # follows prefers-color-scheme
    dark.close()


def test_long_from_path_does_not_spill_sideways_on_a_phone(run, tmp_path, chromium):
    # The report header names the --from path; slashes are no break points, so a deep path is one long word.
    deep = tmp_path / ("averylongfoldername" * 4) / "workstationcapture"
    shutil.copytree(FIXTURES / "linux" / "amd-zen", deep)
    path = render(run, tmp_path, "deep", [deep])
    page = chromium.new_page(viewport={"width": 390, "height": 900})
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.close()


def test_a_gpu_name_with_a_script_tag_renders_as_text(run, tmp_path, chromium):
    xml = (FIXTURES / "nvidia" / "device-h200-readiness" / "nvidia-smi-q-x.xml").read_text()
    evil = xml.replace("<product_name>NVIDIA H200</product_name>",
                       "<product_name>&lt;script&gt;window.pwned=1&lt;/script&gt;</product_name>")
    src = tmp_path / "evil.xml"
    src.write_text(evil)
    path = render(run, tmp_path, "evil", [src])
    html = path.read_text()
    assert "<script>window.pwned" not in html and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    page = chromium.new_page()
    page.goto(path.as_uri())
    assert page.evaluate("window.pwned === undefined")
    assert page.get_by_text("<script>window.pwned=1</script>").first.is_visible()
    page.close()


def scrub(html: str) -> str:
    html = html.replace("&#34;", '"')  # the embedded JSON, for the patterns below
    html = html.replace(str(FIXTURES.parent.parent), "<repo>")  # where the checkout is
    html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", html)
    html = re.sub(r"readiness \d+\.\d+\.\d+", "readiness <version>", html)
    html = re.sub(r'"version": ?"\d+\.\d+\.\d+"', '"version": "<version>"', html)
    html = re.sub(r"\d+(\.\d+)? months old", "<age> months old", html)
    html = re.sub(r'"age_months": ?[\d.]+', '"age_months": <age>', html)
    html = re.sub(r'"seconds": ?[\d.e-]+', '"seconds": <s>', html)
    html = re.sub(r"<td>[\d.e-]+</td></tr>", "<td><s></td></tr>", html)  # probe seconds column
    html = html.replace(" · WARNING: older than 6 months, check the current price", "")  # depends on today
    return html


def test_gold_file(run, tmp_path):
    """The whole page for one fixed input. After an intended change: UPDATE_GOLD=1 pytest -k gold."""
    path = render(run, tmp_path, "gold", CASES["nvidia-8xh200"])
    got = scrub(path.read_text())
    if os.environ.get("UPDATE_GOLD"):
        GOLD.write_text(got)
    assert got == GOLD.read_text()


def test_templates_are_autoescaped():
    from readiness.report import html

    env = html.environment()
    assert env.autoescape is True or env.autoescape(None) is True


def test_terminal_quiet_no_color_and_json_has_no_progress(run):
    quiet = run("check", "--no-torch", "--no-html", "--quiet")
    assert quiet.exit_code == 0 and len(quiet.stdout.strip().splitlines()) <= 2
    plain = run("check", "--no-torch", "--no-html", "--no-color")
    assert "\x1b[" not in plain.stdout and "[✓]" in plain.stdout
    as_json = run("check", "--no-torch", "--json")
    json.loads(as_json.stdout)  # nothing but the document on stdout


def test_open_opens_the_report_locally(run, tmp_path, monkeypatch):
    opened = []
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url))
    r = run("check", "--no-torch", "--open")
    assert r.exit_code == 0 and opened == [(tmp_path / "readiness-report.html").resolve().as_uri()]


# --- Issue 17: charts, first screen, phone cards, print, size, dark mode (in Chromium) ---------------

PAGES = {
    "this-machine": [],
    "assume-rtx4090": ["--assume-gpu", "RTX 4090"],
    "nvidia-8xh200": ["--from", str(FIXTURES / "nvidia" / "table-8xh200-r570.txt")],
}


def _open(chromium, path, **kw):
    """A page that records console errors and refuses every request but the file itself (and data: URLs)."""
    page = chromium.new_page(**kw)
    errors, refused = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return page, errors, refused


def _print_text(page, tmp_path) -> tuple[str, str]:
    """The text of the page as Chromium prints it: the PDF's text through pdftotext (poppler-utils)
    when it is installed, else the print-media rendering's innerText."""
    exe = shutil.which("pdftotext")
    if exe:
        import subprocess

        pdf = tmp_path / "print.pdf"
        page.pdf(path=str(pdf))
        return subprocess.run([exe, "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout, "pdf"
    page.emulate_media(media="print")
    return page.inner_text("body"), "print-media innerText"


def _squash(text: str) -> str:
    # pdftotext joins a word broken at a line end and drops its hyphen: compare without either.
    return re.sub(r"[\s\-\u00ad]+", "", text)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_charts_first_screen_phone_print_and_dark(run, tmp_path, chromium, name):
    out = tmp_path / f"{name}.html"
    r = run("check", "--no-torch", "-o", str(out), *PAGES[name])
    assert r.exit_code == 0, r.output
    if name == "this-machine":
        assert out.stat().st_size <= 150 * 1024, out.stat().st_size
    ARTIFACTS.mkdir(exist_ok=True)

    page, errors, refused = _open(chromium, out, viewport={"width": 1280, "height": 800})
    assert errors == [] and refused == []
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    titles = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.querySelector('title')?.textContent"
                           " && s.querySelector('desc')?.textContent ? 1 : 0)")
    assert all(titles), titles
    # The answer and its chart on the first screen of a 1280x800 display, without scrolling.
    verdict = page.locator("#verdict").bounding_box()
    first = page.locator("#summary-charts svg.chart").first.bounding_box()
    assert verdict["y"] + verdict["height"] <= 800 and first["y"] + first["height"] <= 800, (verdict, first)
    page.screenshot(path=str(ARTIFACTS / f"report-{name}-first-screen.png"))
    page.screenshot(path=str(ARTIFACTS / f"report-{name}-1280-full.png"), full_page=True)

    # Everything, collapsed or not, is in the printout.
    # Each text node of every section (collapsed ones included), checked one by one.
    expected = page.evaluate("""() => { const out = [];
        for (const root of document.querySelectorAll('main section')) {
            const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            while (walk.nextNode()) { const n = walk.currentNode;
                if (n.textContent.trim() && !n.parentElement.closest('svg, .visually-hidden, nav, thead')) out.push(n.textContent); } }
        return out; }""")
    assert len(expected) > 100
    printed, how = _print_text(page, tmp_path)
    # A table row broken across pages repeats the table's header in the middle of a cell's text.
    heads = page.evaluate("[...document.querySelectorAll('main thead')].filter(e => !e.closest('.visually-hidden'))"
                          ".map(e => e.textContent)")
    flat = _squash(printed)
    assert all(_squash(h) in flat for h in heads)
    for head in sorted({_squash(h) for h in heads}, key=len, reverse=True):
        flat = flat.replace(head, "")
    missing = [t[:80] for t in expected if _squash(t) not in flat]
    assert missing == [], f"not in the {how}: {missing[:5]}"
    page.close()

    phone, errors, refused = _open(chromium, out, viewport={"width": 390, "height": 800})
    assert errors == [] and refused == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391
    # One card per row: every cell of the workload and cost tables lies inside the screen, none cut.
    cut = phone.evaluate("""() => [...document.querySelectorAll('table.cards tbody td, table.cards tbody th')]
        .filter(e => e.getBoundingClientRect().right > 391 || e.scrollWidth > e.clientWidth + 1).length""")
    assert cut == 0
    # ... and no table scrolls sideways inside its box either.
    assert phone.evaluate("""() => [...document.querySelectorAll('.scroll')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60))""") == []
    phone.screenshot(path=str(ARTIFACTS / f"report-{name}-390-full.png"), full_page=True)
    phone.close()

    dark, _, _ = _open(chromium, out, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    colours = dark.evaluate("""() => { const c = e => getComputedStyle(e);
        return [c(document.body).backgroundColor, c(document.body).color, c(document.querySelector('#verdict')).color,
                c(document.querySelector('svg.chart text')).fill]; }""")
    bg = colours[0]
    assert bg != "rgb(255, 255, 255)" and all(c != bg for c in colours[1:]), colours
    dark.screenshot(path=str(ARTIFACTS / f"report-{name}-dark.png"))
    dark.close()


def test_fleet_report_in_chromium(run, tmp_path, chromium):
    reports = tmp_path / "reports"
    reports.mkdir()
    for host in ("alpha", "beta"):
        r = run("check", "--json", "--no-torch", "--no-costs")
        doc = json.loads(r.stdout)
        doc["facts"]["host"]["hostname"] = host
        (reports / f"{host}.json").write_text(json.dumps(doc))
    db = str(tmp_path / "fleet.sqlite")
    assert run("fleet", "ingest", str(reports), "--db", db).exit_code == 0
    out = tmp_path / "fleet.html"
    assert run("fleet", "report", "--db", db, "-o", str(out)).exit_code == 0
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page, errors, refused = _open(chromium, out, viewport={"width": width, "height": 800})
        assert errors == [] and refused == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(ARTIFACTS / f"fleet-{width}.png"), full_page=True)
        page.close()
