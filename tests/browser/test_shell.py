"""The UI's shell: served by the product at its page addresses, sign in and out, roles, languages."""

from __future__ import annotations

import httpx
import pytest

from tests.support.browser import add_person, axe_violations, screenshot, sign_in, watch

pytestmark = pytest.mark.e2e


def test_pages_are_served_by_the_product_and_need_a_sign_in(srv, context):
    for path in ("/", "/upload", "/jobs", "/exports", "/assets/0123456789abcdef0123456789abcdef"):
        r = httpx.get(srv.url + path)
        assert r.status_code == 200 and '<html lang="zh-CN">' in r.text, path
    page = context.new_page()
    w = watch(page)
    page.goto(srv.url + "/jobs")
    page.wait_for_url("**/login?next=/jobs")
    assert page.locator('input[autocomplete="username"]').count() == 1
    assert page.locator('input[type="password"]').count() == 1
    assert axe_violations(page) == []
    screenshot(page, "login")
    person = add_person(srv, "editor")
    sign_in(page, srv, person, open_form=False)
    page.wait_for_url("**/jobs")
    assert person.username in page.locator("[data-user]").inner_text()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    assert page.request.get(srv.url + "/api/v1/me").status == 401
    assert w.errors == []


def test_wrong_password_is_told_and_nothing_else_opens(srv, context):
    page = context.new_page()
    page.goto(srv.url + "/login")
    page.get_by_label("用户名").fill("nobody")
    page.locator('input[type="password"]').fill("not the password at all")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码不对" in page.get_by_role("alert").inner_text()
    assert "/login" in page.url


def test_english_is_one_click_away_and_stays_chosen(srv, context):
    page = context.new_page()
    w = watch(page)
    sign_in(page, srv, add_person(srv, "producer"))
    page.get_by_role("button", name="English").click()
    nav = page.get_by_role("navigation")
    assert [nav.get_by_role("link", name=n, exact=True).count() for n in ("Search", "Upload", "Jobs", "Exports")] \
        == [1, 1, 1, 1]
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    page.get_by_role("searchbox").wait_for()
    assert page.get_by_role("button", name="Sign out").count() == 1  # remembered in this browser
    page.get_by_role("button", name="中文").click()
    assert page.get_by_role("button", name="退出登录").count() == 1
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert w.errors == []
