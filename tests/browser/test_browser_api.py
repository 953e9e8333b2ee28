"""A secretary makes an API token on their account page, copies it (shown once), opens the API's
page (Swagger UI from the vendored files, under the pages' security policy: no console error),
and a program reads their cases with the token; revoked, it is refused."""
import re

from playwright.sync_api import expect

from browser.browser_support import log_in


def test_a_token_made_on_the_account_page_reads_the_api_until_revoked(desktop, served):
    page = desktop
    log_in(page, "tankhai")
    page.goto("/account")
    page.locator("#tokens-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã truy cập API")
    page.get_by_label("Tên").fill("Bảng tin của xã")
    page.get_by_label("Đọc và ghi nhận các bước").check()
    page.get_by_role("button", name="Tạo mã").click()
    secret = page.locator("#new-token-value").inner_text()
    assert re.fullmatch(r"knp_[A-Za-z0-9_-]{43}", secret)
    expect(page.locator("#tokens")).to_contain_text("Bảng tin của xã")
    page.reload()  # shown once
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("#tokens")).to_contain_text(secret[:12])

    api = page.context.request
    listed = api.get("/api/v1/cases?limit=5", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status == 200 and listed.json()["items"]
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert (me["username"], me["token_may_write"]) == ("tankhai", True)

    page.get_by_role("link", name="API cung cấp những gì").click()
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/cases/{case_id}/acts/record_branch_vote")

    page.go_back()
    page.get_by_role("button", name="Thu hồi").click()
    expect(page.locator("#tokens")).to_contain_text("Đã thu hồi")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401
