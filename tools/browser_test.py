"""Browser test of nnc.interact, in Voila and in JupyterLab: each serves the
demo notebook (tests/browser/explore_demo.ipynb) on 127.0.0.1 and headless
Chromium moves a slider of two explorers.

Voila runs the notebook itself; in JupyterLab (no token, a temporary
directory holding its settings, workspaces and runtime files) the test
opens the notebook and runs all cells with the "Run All Cells" command.
Checks, on each page: all eight explorers and a LivePlot render; for two
explorers (alpha, neuron), the picture changes when a slider moves
(screenshots differ); notebook 03's animation player renders; no cell shows
an error; the browser console shows no errors (no filter: every SEVERE entry
fails the check); and every request the page made went to the local server
(or was inline data) -- widgets, the servers' own scripts and the animation
work offline.  Name resolution for any other host is switched off in the
browser, so a reference to the internet would fail loudly.

Saves the alpha explorer's screenshot in Voila (the README's picture) to
docs/img/explore.png unless --no-screenshot.

Needs: voila, jupyterlab and selenium (pip), chromium and chromium-driver
(Debian).
Usage: python tools/browser_test.py [--servers voila,lab] [--keep-screenshots DIR]
       [--no-screenshot]
Exit status 0 when every check passes; prints one line per check (PASS or
FAIL), the time each server took and a closing tally.
"""
import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "browser" / "explore_demo.ipynb"
# A Voila template (the "lab" one without its CDN stylesheets), found through
# JUPYTER_PATH as <dir>/voila/templates/nnc-offline.
TEMPLATES = ROOT / "tests" / "browser"
SCREENSHOT = ROOT / "docs" / "img" / "explore.png"
EXPLORERS = 8  # the demo notebook shows every explorer, then a LivePlot
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:", "chrome")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_voila(port, workdir, env):
    cmd = [sys.executable, "-m", "voila", str(workdir / DEMO.name), "--no-browser",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           "--show_tracebacks=True", "--template=nnc-offline",
           # Only the widget manager is needed: other JupyterLab extensions that
           # happen to be installed (jupytext's comes with the test extra) are
           # built for JupyterLab, not Voila, and fail in its page.
           "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
           # a widget-heavy page: give the kernel time on a loaded machine
           "--VoilaExecutor.timeout=300"]
    return start_server(cmd, port, workdir, env, "voila")


def start_server(cmd, port, workdir, env, name):
    """Run ``cmd`` (logging to <workdir>/<name>.log) until it listens on ``port``."""
    log = open(workdir / f"{name}.log", "w")
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{(workdir / f'{name}.log').read_text()}")
        try:  # listening? (for Voila, GET / would already run the notebook)
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"{name} did not start within 120 s")


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,1900", "--hide-scrollbars", "--force-device-scale-factor=1",
                # offline: no host but the local server resolves
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=opts)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
        except Exception:  # the page is still being built
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def shown_images(driver):
    """The widget Images on the page that have a picture, in page order."""
    from selenium.webdriver.common.by import By
    return [img for img in driver.find_elements(By.CSS_SELECTOR, ".widget-image")
            if img.get_property("naturalWidth")]


def explorer_boxes(driver):
    """The explorers' outer boxes (a VBox holding a widget Image), in page order."""
    from selenium.webdriver.common.by import By
    boxes = []
    for img in shown_images(driver):
        box = img.find_elements(By.XPATH, "ancestor::div[contains(@class,'widget-vbox')][1]")
        boxes += box[:1]
    return boxes


def drag_first_slider(driver, box, offset):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    handle = box.find_element(By.CSS_SELECTOR, ".widget-slider .noUi-handle")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    ActionChains(driver).click_and_hold(handle).pause(0.2).move_by_offset(offset // 2, 0) \
        .pause(0.2).move_by_offset(offset - offset // 2, 0).pause(0.2).release().perform()


def start_lab(port, workdir, env):
    """JupyterLab on 127.0.0.1 without a token, its settings, workspaces and
    runtime files in the temporary directory.  ``expose_app_in_browser``
    gives the page ``window.jupyterapp``, through which the test runs the
    notebook's cells (the Run menu's "Run All Cells" command)."""
    settings = workdir / "lab-settings"
    for plugin, values in (
            # every cell in the DOM (4.x renders only cells near the viewport by default)
            ("@jupyterlab/notebook-extension/tracker", {"windowingMode": "none"}),
            # no news or update check (they would fetch from the internet)
            ("@jupyterlab/apputils-extension/notification",
             {"fetchNews": "false", "checkForUpdates": False})):
        path = settings / (plugin + ".jupyterlab-settings")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(env, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(workdir / "lab-workspaces"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               JUPYTER_CONFIG_DIR=str(workdir / "config"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={workdir}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class="
           "jupyterlab.NeverCheckForUpdate", "--ServerApp.open_browser=False",
           "--ServerApp.allow_root=True"]
    return start_server(cmd, port, workdir, env, "jupyterlab")


def run_all_cells(driver, timeout):
    """Wait for JupyterLab's notebook and its kernel, then run every cell."""
    ready = """
        const app = window.jupyterapp;
        if (!app || !app.shell) return false;
        const w = app.shell.currentWidget;
        if (!w || !w.sessionContext || !w.sessionContext.isReady) return false;
        const k = w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.connectionStatus === 'connected' && k.status === 'idle';"""
    wait_for(lambda: driver.execute_script(ready), timeout, "JupyterLab's notebook and kernel")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")


def error_outputs(driver):
    """Outputs that are a Python traceback (both pages render a cell's error
    as stderr-style text, JupyterLab's "application/vnd.jupyter.stderr")."""
    from selenium.webdriver.common.by import By
    return [e for e in driver.find_elements(
        By.CSS_SELECTOR, "[data-mime-type='application/vnd.jupyter.stderr']")
        if "Traceback" in e.text]


def last_lines(outputs):
    """The last line of each traceback (the exception), for the report."""
    return "; ".join((e.text.strip().splitlines() or [""])[-1][:200] for e in outputs[:3])


def check_page(driver, check, args, keep, label, t_start, screenshot):
    """The checks both servers' pages must pass (explorers, live plot,
    sliders, animation, console, offline)."""
    # (a cell that raises stops JupyterLab's "Run All Cells": fail at once)
    found = wait_for(lambda: error_outputs(driver) or (
        len(explorer_boxes(driver)) >= EXPLORERS and explorer_boxes(driver)), args.timeout,
        f"{EXPLORERS} explorers with their pictures")
    failed = error_outputs(driver)
    if failed:
        check(f"{label}: no cell raised", False, last_lines(failed))
        return
    boxes = found
    check(f"{label}: page shows the {EXPLORERS} explorers", len(boxes) == EXPLORERS,
          f"{len(boxes)} found after {time.time() - t_start:.1f} s")
    images = wait_for(lambda: len(shown_images(driver)) > EXPLORERS
                      and shown_images(driver), args.timeout, "the live plot")
    check(f"{label}: page shows the live training plot", len(images) == EXPLORERS + 1,
          f"{len(images) - len(boxes)} picture(s) besides the explorers")
    time.sleep(1.0)  # let the first pictures settle
    for k, (name, offset) in enumerate((("alpha_explorer", 40), ("neuron_explorer", 70))):
        box = explorer_boxes(driver)[k]
        driver.execute_script("arguments[0].scrollIntoView();", box)
        before = box.screenshot_as_png
        img = box.find_element("css selector", ".widget-image")
        src_before = img.get_attribute("src")
        drag_first_slider(driver, box, offset)
        wait_for(lambda: img.get_attribute("src") != src_before, 60,
                 f"{name}'s picture to change")
        time.sleep(1.0)  # later updates of the drag
        after = box.screenshot_as_png
        check(f"{label}: {name}: slider moves the picture", before != after,
              f"{len(before)} -> {len(after)} bytes")
        if keep:
            (keep / f"{label}-{name}-before.png").write_bytes(before)
            (keep / f"{label}-{name}-after.png").write_bytes(after)
        if k == 0 and screenshot:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            SCREENSHOT.write_bytes(after)
    # the animation player (notebook 03's) is on the page and has its frames
    players = wait_for(lambda: [p for p in driver.find_elements(
        "css selector", ".animation img") if p.get_property("naturalWidth")],
        args.timeout, "the animation player")
    driver.execute_script("arguments[0].scrollIntoView();", players[0])
    check(f"{label}: animation player rendered (notebook 03's, offline)", players,
          f"{len(players)} player(s)")
    failed = error_outputs(driver)
    check(f"{label}: no cell raised", not failed,
          last_lines(failed))
    if keep:
        driver.save_screenshot(str(keep / f"{label}-page.png"))
    console = driver.get_log("browser")
    # every SEVERE entry counts: neither page needs a filter for benign noise
    errors = [e for e in console if e.get("level") == "SEVERE"]
    check(f"{label}: browser console has no errors", not errors,
          "; ".join(e.get("message", "")[:200] for e in errors[:5]))
    remote = set()
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            if not url.startswith(LOCAL):
                remote.add(url)
    check(f"{label}: every request stays on 127.0.0.1", not remote,
          ", ".join(sorted(remote)[:5]))


def run_one(server, args, env, check, keep):
    """Start ``server`` ("voila" or "lab") on a free port in a temporary
    directory holding a copy of the demo notebook, and check its page."""
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix=f"nnc-browser-{server}-") as tmp:
        workdir = pathlib.Path(tmp)
        shutil.copy(DEMO, workdir / DEMO.name)
        port = free_port()
        proc = driver = None
        try:
            if server == "voila":
                proc = start_voila(port, workdir, env)
                url = f"http://127.0.0.1:{port}/"
            else:
                proc = start_lab(port, workdir, env)
                url = f"http://127.0.0.1:{port}/lab/tree/{DEMO.name}?reset"
            driver = make_driver()
            driver.set_page_load_timeout(args.timeout)
            driver.get(url)
            if server == "lab":
                run_all_cells(driver, args.timeout)
            check_page(driver, check, args, keep, server, t_start,
                       screenshot=server == "voila" and not args.no_screenshot)
        except Exception as exc:  # report, clean up, fail
            check(f"{server}: browser test ran", False, f"{type(exc).__name__}: {exc}")
            log = workdir / f"{'voila' if server == 'voila' else 'jupyterlab'}.log"
            if log.exists():
                print(f"--- {log.name} (tail) ---\n" + "\n".join(
                    log.read_text(errors="replace").splitlines()[-40:]))
        finally:
            if driver is not None:
                driver.quit()
            stop(proc)
    print(f"{server}: took {time.time() - t_start:.1f} s", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-screenshots", metavar="DIR", help="save every screenshot here")
    ap.add_argument("--no-screenshot", action="store_true",
                    help=f"do not update {SCREENSHOT.relative_to(ROOT)}")
    ap.add_argument("--timeout", type=float, default=240.0,
                    help="seconds to wait for the page's widgets (default 240)")
    ap.add_argument("--servers", default="voila,lab",
                    help="comma-separated: voila, lab (JupyterLab); default both")
    args = ap.parse_args(argv)
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not servers or any(s not in ("voila", "lab") for s in servers):
        ap.error(f"--servers takes voila and/or lab, got {args.servers!r}")

    import nnc
    nnc_home = str(pathlib.Path(nnc.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([nnc_home] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    # the kernel's "python" is this Python
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    env["JUPYTER_PATH"] = os.pathsep.join([str(TEMPLATES)] + ([env["JUPYTER_PATH"]]
                                                              if env.get("JUPYTER_PATH") else []))
    results = []

    def check(name, ok, detail=""):
        results.append(bool(ok))
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""),
              flush=True)

    keep = pathlib.Path(args.keep_screenshots) if args.keep_screenshots else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    for server in servers:
        run_one(server, args, env, check, keep)
    passed = sum(results)
    print(f"browser test took {time.time() - t_start:.1f} s")
    # (not pytest's "N passed, N failed" wording: CI reads that as the suite's tally)
    print(f"browser test: {passed} of {len(results)} checks passed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
