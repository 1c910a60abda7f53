"""Open a page in headless Debian Chromium, wait for its charts, screenshot it; print JSON.

Run by the tests with the Python of Superset's virtualenv, which has Playwright (the pipeline's
does not need it). Input is one JSON object on stdin:
``{"url", "selector", "count", "screenshot", "login": {"base", "username", "password"} | null}``;
output ``{"rendered", "errors", "queries"}``: charts matching ``selector``, console/page errors,
and the chart-data requests made (``slice_id``, ``time_range``).
"""

import json
import re
import sys

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def log_in(context, login):
    page = context.new_page()
    page.goto(login["base"] + "/login/")
    html = page.content()
    page.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'"csrf_token":\s*"([^"]+)"', html)
    form = {"username": login["username"], "password": login["password"]}
    if token:
        form["csrf_token"] = token.group(1)
    response = context.request.post(login["base"] + "/login/", form=form)
    if not response.ok:
        raise SystemExit(f"login failed: HTTP {response.status}")


def main(job):
    errors, queries = [], []

    def record(request):
        if "/api/v1/chart/data" in request.url and request.method == "POST":
            body = request.post_data_json or {}
            form = body.get("form_data") or {}
            queries.append({"slice_id": form.get("slice_id"), "time_range": form.get("time_range")})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        if job.get("login"):
            log_in(context, job["login"])
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", record)
        page.goto(job["url"], wait_until="load")
        selector, count = job["selector"], job["count"]
        try:
            page.wait_for_function(
                "([s, n]) => document.querySelectorAll(s).length >= n"
                " && !document.querySelector('.loading, .ant-skeleton')", arg=[selector, count],
                timeout=job.get("timeout_ms", 60000))
        except Exception as e:  # noqa: BLE001 - reported to the test, which fails with the details
            errors.append(f"timeout waiting for {count} x {selector}: {e}")
        try:  # charts animate in and late queries land: until the network is quiet, within the job's timeout
            page.wait_for_load_state("networkidle", timeout=job.get("timeout_ms", 60000))
        except Exception as e:  # noqa: BLE001 - reported to the test, which fails with the details
            errors.append(f"the page kept loading: {e}")
        rendered = page.locator(selector).count()
        page.screenshot(path=job["screenshot"], full_page=True)
        browser.close()
    print(json.dumps({"rendered": rendered, "errors": errors, "queries": queries}))


if __name__ == "__main__":
    main(json.load(sys.stdin))
