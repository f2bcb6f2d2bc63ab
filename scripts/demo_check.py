#!/usr/bin/env python3
"""Drives the wasm demo page in headless Chromium through chromedriver (W3C WebDriver, Python
stdlib only), as a person would: connect to the echo server, send text and binary, close with
4000 "bye"; then in the reconnecting mode (its module loaded on demand): connect, echo,
Reconnect (the close says it will reconnect, a new open follows), close for good; checking the
page's event log after each step; saves a PNG screenshot.

usage: demo_check.py PAGE_URL ECHO_URL [--screenshot out.png] [--timeout 20]
Exit 0 when every step's log entry appeared.
"""
import argparse, base64, json, os, socket, subprocess, sys, tempfile, time, urllib.request

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=900,700"]


def call(base, method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}").get("value")


class Page:
    def __init__(self, base, sid, timeout):
        self.base, self.sb, self.timeout = base, f"/session/{sid}", timeout

    def js(self, script, *args):
        return call(self.base, "POST", self.sb + "/execute/sync", {"script": script, "args": list(args)})

    def element(self, css):
        found = call(self.base, "POST", self.sb + "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def type(self, css, text):
        el = self.element(css)
        call(self.base, "POST", f"{self.sb}/element/{el}/clear", {})
        call(self.base, "POST", f"{self.sb}/element/{el}/value", {"text": text})

    def click(self, css):
        call(self.base, "POST", f"{self.sb}/element/{self.element(css)}/click", {})

    def wait_for_state(self, prefix):
        deadline = time.time() + self.timeout
        state = self.js("return document.getElementById('state').textContent;")
        while not state.startswith(prefix) and time.time() < deadline:
            time.sleep(0.05)
            state = self.js("return document.getElementById('state').textContent;")
        if not state.startswith(prefix):
            sys.exit(f"FAIL: readyState shows {state!r}, not {prefix}")
        print(f"ok: readyState {state}")

    def log(self):
        return self.js("return [...document.querySelectorAll('#log li')].map(li => li.textContent);")

    def wait_for_log(self, expected, times=1):
        """Waits until the log has `expected` at least `times` times."""
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            entries = self.log()
            if entries.count(expected) >= times:
                print(f"ok: {expected}" + (f" (x{times})" if times > 1 else ""))
                return
            time.sleep(0.05)
        sys.exit(f"FAIL: no log entry {expected!r}; log: {self.log()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("echo")
    ap.add_argument("--screenshot")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    a = ap.parse_args()

    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    drv = subprocess.Popen([a.chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    profile = tempfile.mkdtemp(prefix="isows-demo-profile-")
    sid = None
    try:
        deadline = time.time() + 20
        while True:
            try:
                if call(base, "GET", "/status", timeout=2).get("ready"):
                    break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit("chromedriver did not become ready")
            time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": a.chromium, "args": FLAGS + [f"--user-data-dir={profile}"]}}}}
        sid = call(base, "POST", "/session", caps, timeout=60)["sessionId"]
        call(base, "POST", f"/session/{sid}/url", {"url": a.page})
        page = Page(base, sid, a.timeout)
        deadline = time.time() + a.timeout
        while page.js("return document.body.dataset.ready || null;") != "yes":
            if time.time() > deadline:
                sys.exit("FAIL: the page did not load its wasm module")
            time.sleep(0.05)

        page.type("#url", a.echo)
        page.click("#connect")
        page.wait_for_log("open: readyState=1 protocol=''")
        page.type("#text", "hello demo")
        page.click("#send-text")
        page.wait_for_log("message: text 'hello demo'")
        page.click("#send-binary")
        page.wait_for_log("message: binary 10 bytes [104, 101, 108, 108, 111, 32, 100, 101, 109, 111]")
        page.type("#code", "4000")
        page.type("#reason", "bye")
        page.click("#close")
        page.wait_for_log("close: code=4000 reason='bye' wasClean=true")
        page.wait_for_state("CLOSED")

        # The reconnecting mode: a ReconnectingWebSocket from the second module.
        page.click("#reconnecting")
        page.click("#connect")
        page.wait_for_log("open: readyState=1 protocol=''", 2)
        page.type("#text", "hello again")
        page.click("#send-text")
        page.wait_for_log("message: text 'hello again'")
        page.click("#reconnect")
        page.wait_for_log("close: code=1005 reason='' wasClean=true (will reconnect)")
        page.wait_for_log("open: readyState=1 protocol=''", 3)
        page.type("#code", "4000")
        page.type("#reason", "bye")
        page.click("#close")
        page.wait_for_log("close: code=4000 reason='bye' wasClean=true", 2)
        page.wait_for_state("CLOSED")
        if a.screenshot:
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(call(base, "GET", f"/session/{sid}/screenshot")))
            print(f"screenshot: {a.screenshot}")
        print("demo: PASS")
        return 0
    finally:
        if sid:
            try:
                call(base, "DELETE", f"/session/{sid}", timeout=10)
            except OSError:
                pass
        drv.terminate()
        try:
            drv.wait(10)
        except subprocess.TimeoutExpired:
            drv.kill()
        subprocess.run(["rm", "-rf", profile])


if __name__ == "__main__":
    sys.exit(main())
