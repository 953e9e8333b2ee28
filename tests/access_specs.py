"""The access matrix's table (tests/test_access_matrix.py): for EVERY endpoint of the app, how to
reach it with an object, and what each role gets. An endpoint missing here fails the matrix.

Who, in this order:   anon (logged out), sec (sec_a1), com (com_a), board (board), admin (admin).

`urls` are templates filled with a Place (`{p.case}`, `{p.branch}`...): the place "a1" is inside
every role's scope; "b1" is outside the secretary's and the committee's; "other" (another town)
is outside everyone's. A template naming an object a place lacks (None) is skipped there.

`get` / `post`: the status inside, per who. A refused request (anon, 403, 404) posts the valid
`data` of the place (a missing gate would write); an allowed one posts `inside` ({} by default,
refused by the form with 422 or 400), so the matrix itself writes nothing.
`outside`: the status with an outside place, 404 unless said otherwise (one value, or per who;
None: not applicable). Every request, inside or outside, must leave the database as it was and
never show the names of cases or units outside the user's scope.
"""
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

from pipeline.extensions import db
from pipeline.units.models import BRANCH_KINDS, Unit
from pipeline.units.reorganise_forms import fingerprint

WHO = ("anon", "sec", "com", "board", "admin")
LOGIN = 302  # anon: sent to the login page
ADMIN_ONLY = (LOGIN, 404, 404, 404, 200)
EVERYONE = (LOGIN, 200, 200, 200, 200)
NOBODY_POSTS = None


@dataclass
class Spec:
    endpoint: str
    urls: tuple
    get: tuple | None = None
    post: tuple | None = None
    data: Callable | None = None  # place -> the form data that would succeed if the gates let it through
    inside: dict = field(default_factory=dict)
    outside: object = 404
    logs_out: bool = False
    writes: tuple = ()  # who may write with `inside` data (an EmptyForm button)
    public: bool = False  # answers without a login: no scope to test

    def __post_init__(self):
        if isinstance(self.urls, str):
            self.urls = (self.urls,)

    def outside_for(self, who):
        return self.outside[WHO.index(who)] if isinstance(self.outside, tuple) else self.outside


def S(endpoint, urls, **kwargs):
    return Spec(endpoint, urls, **kwargs)


# --- valid form data, per place ---------------------------------------------------------------

def enrol_act(p):
    return {"effective_date": "2021-09-01", "class_id": p.klass or 0, "version": p.version}


def document(p):
    return {"received": "y", "received_on": "2021-09-20", "note": "x", "version": p.version}


def note(p):
    return {"note": "Quần chúng tích cực tham gia sinh hoạt"}


def api_token(p):
    return {"name": "Bảng tin", "expires_on": "2099-01-01", "access": "read"}  # refused: beyond a year


def digest_choice(p):
    return {"email": "ten@example.vn", "digest": "weekly"}


def new_case(p):
    return {"branch_id": p.branch, "full_name": "Nguyễn Văn Mới", "date_of_birth": "1995-03-15", "sex": "male",
            "ethnicity": "Kinh", "education": "upper_secondary", "source_organisation": "youth_union",
            "helper_member": "Lê Văn Giúp", "effective_date": "2021-06-01"}


def ceremony(p):
    return {"effective_date": "2022-02-10", "place": "Hội trường", "case_ids": [p.case], "confirmed": "y"}


def bulk_review(p):
    return {"effective_date": "2021-12-20", "committee_size": 15, "votes_for": 13, "votes_against": 0,
            "rows-0-case_id": p.case, "rows-0-chosen": "y"}


def bulk_decision(p):
    return {"effective_date": "2022-01-20", "issuing_unit_id": p.deciding_unit, "received_on": "2022-01-25",
            "first_number": "1-QĐ/TU", "rows-0-case_id": p.case, "rows-0-chosen": "y"}


def quota(p):
    return {"unit_id": p.branch, "year": 2022, "minimum": 3}


def new_class(p):
    return {"name": "Lớp mới", "organiser_unit_id": p.deciding_unit, "starts_on": "2022-03-01",
            "ends_on": "2022-03-10"}


def enrol_bulk(p):
    return {"enrolled_on": "2021-09-01", "case_ids": [p.case]}


def results(p):
    return {"results_on": "2021-09-10", "rows-0-enrolment_id": p.enrolment or 0, "rows-0-result": "passed"}


def calendar_day(p):
    return {"day": "2022-09-03", "kind": "working", "note": "x"}


def account(p):
    return {"username": "new.user", "display_name": "Người Mới", "role": "secretary", "unit_id": p.branch,
            "password": "a long password", "confirm": "a long password"}


def details(p):
    return {"display_name": "Tên Mới", "role": "secretary", "unit_id": p.branch}


def password(p):
    return {"password": "another long one", "confirm": "another long one"}


def reason(p):
    return {"reason": "left the branch"}


def correction(p):
    return {"corrects_seq": 1, "what": "Họ tên", "corrected_value": "Tên đúng", "effective_date": "2021-09-01",
            "reason": "viết sai chính tả", "version": p.version}


def void(p):
    return {"reason": "nhập nhầm", "confirmed": "y", "version": p.version}


def new_unit(p):
    return {"code": "new_unit", "name": "Chi bộ mới", "kind": "village", "parent_id": p.deciding_unit,
            "valid_from": "2025-07-01"}


def unit_details(p):
    return {"name": "Tên mới", "official_members": "12", "reason": "x"}


def move_unit(p):
    return {"parent_id": p.deciding_unit, "effective_date": "2025-07-01", "reason": "sáp nhập"}


def close_unit(p):
    return {"effective_date": "2026-12-31", "reason": "giải thể", "confirmed": "y"}


def another_branch(p):
    """An open branch of the place's own tree other than its own (where its case or its rows could
    go), read when the request is made; 0 when there is none."""
    top = "/" + p.path.strip("/").split("/")[0] + "/"
    return db.session.scalar(sa.select(Unit.id).where(
        Unit.path.startswith(top), Unit.kind.in_(BRANCH_KINDS), Unit.valid_to.is_(None), Unit.id != p.branch)
        .order_by(Unit.path).limit(1)) or 0


def confirmed(p, data):
    """A reorganisation's form as confirmed on its preview: carried out if the gates let it through."""
    return data | {"previewed": fingerprint(p.branch, data.items()), "confirmed": "y"}


def merge_units(p):
    return confirmed(p, {"into": another_branch(p), "effective_date": "2025-07-01", "accounts": "move",
                         "reason": "sáp nhập"})


def split_unit(p):
    to = another_branch(p)
    return confirmed(p, {f"case_{p.case}": to, f"account_{p.user}": to, "effective_date": "2025-07-01",
                         "reason": "chia tách"})


def transfer(p):
    return {"to_branch_id": another_branch(p), "effective_date": "2025-07-01", "reason": "chuyển nơi cư trú",
            "version": p.version}


def credentials(p):
    return {"username": "sec_a1", "password": "demo-pass"}


def own_password(p):
    return {"old_password": "demo-pass", "password": "a new long password", "confirm": "a new long password"}


def current_password(p):
    return {"password": "demo-pass"}


def totp_code(p):
    return {"code": "123456"}


# --- the table ---------------------------------------------------------------------------------
#                        who:   anon   sec  com  board admin
SPECS = [
    S("static", "/static/app.css", get=(200, 200, 200, 200, 200), public=True),
    S("favicon", "/favicon.ico", get=(301, 301, 301, 301, 301), public=True),
    S("accounts.login", "/login", get=(200, 302, 302, 302, 302), post=(422, 422, 422, 422, 422),
      data=credentials, public=True),
    # Logging out ends every session of the account: it writes its session generation.
    S("accounts.logout", "/logout", post=(302, 302, 302, 302, 302), logs_out=True, public=True,
      writes=("sec", "com", "board", "admin")),
    # The second step of a login: without a password typed in this browser first, back to the login page.
    S("accounts.second_factor", "/login/two-factor", get=(302, 302, 302, 302, 302), post=(302, 302, 302, 302, 302),
      data=totp_code, public=True),
    # The user's own account: everyone has one, nothing of another's (no outside).
    S("accounts.profile", "/account", get=EVERYONE, outside=None),
    S("accounts.change_password", "/account/password", get=EVERYONE, post=(LOGIN, 422, 422, 422, 422),
      data=own_password, outside=None),
    S("accounts.enrol_two_factor", "/account/two-factor", get=EVERYONE, post=(LOGIN, 422, 422, 422, 422),
      data=totp_code, outside=None),
    # The matrix's accounts have no second factor: these send them back to their account page.
    S("accounts.regenerate_codes", "/account/two-factor/codes", post=(LOGIN, 302, 302, 302, 302),
      data=current_password, outside=None),
    S("accounts.disable_two_factor", "/account/two-factor/disable", post=(LOGIN, 302, 302, 302, 302),
      data=current_password, outside=None),
    S("accounts.choose_digest", "/account/digest", post=(LOGIN, 422, 422, 422, 422), data=digest_choice,
      outside=None),
    # The language switch: for the device, and on the account once logged in (`inside` picks none).
    S("language.choose", "/language", post=(302, 302, 302, 302, 302), public=True),
    S("index", "/", get=EVERYONE),
    # What waits for the user's role in the user's scope (pipeline.queue): nothing of another's.
    S("queue.queue", ("/queue/", "/queue/?page=1&per_page=5"), get=EVERYONE, outside=None),
    S("queue.count", "/queue/count", get=EVERYONE, outside=None),
    # An export job is its owner's only: the matrix has none, so every role gets 404 here; the
    # owner's 200 and every other role's 404 on a real job are tests/test_jobs.py's.
    S("jobs.show_job", "/exports/1", get=(LOGIN, 404, 404, 404, 404), outside=None),
    S("jobs.progress", "/exports/1/progress", get=(LOGIN, 404, 404, 404, 404), outside=None),
    S("jobs.download", "/exports/1/file", get=(LOGIN, 404, 404, 404, 404), outside=None),
    # A unit outside the scope in the list's filter is ignored (tests/test_pages_list.py): 200, no leak.
    S("cases.list_cases", ("/candidates/?unit={p.branch}", "/candidates/?unit={p.branch}&format=csv"),
      get=EVERYONE, outside=200),
    # The unit picker's search: every user, inside their own subtree only (an outside unit's name
    # finds nothing, and the matrix checks that no outside name is shown).
    S("unit_search.search", ("/units/search?q={p.markers[1]}", "/units/search?q=b&kind=branch"), get=EVERYONE,
      outside=200),
    # The branch is a form field: one outside the committee's is not offered (422); a secretary's
    # case always goes to their own branch (no outside); board and admin may not open cases.
    S("cases.new_case", "/candidates/new", get=(LOGIN, 200, 200, 403, 403),
      post=(LOGIN, 422, 422, 403, 403), data=new_case, outside=(None, None, 422, 403, 403)),
    S("cases.show_case", "/candidates/{p.case}", get=EVERYONE),
    # A note on the case: everyone who sees the case (an empty note is refused with the page, 422).
    S("notes.add", "/candidates/{p.case}/notes", post=(LOGIN, 422, 422, 422, 422), data=note),
    S("cases.act", "/candidates/{p.case}/act/enrol_training", get=(LOGIN, 200, 200, 200, 403),
      post=(LOGIN, 422, 422, 422, 403), data=enrol_act),
    # A transfer to another branch: a committee or the board over the case's branch; the
    # destination is a form field (one outside the user's subtree is not offered: 422).
    S("cases.transfer", "/candidates/{p.case}/transfer", get=(LOGIN, 403, 200, 200, 403),
      post=(LOGIN, 403, 422, 422, 403), data=transfer),
    S("printing.case_checklist", "/candidates/{p.case}/checklist", get=EVERYONE),
    S("printing.case_checklist_pdf", "/candidates/{p.case}/checklist.pdf", get=EVERYONE),
    S("printing.branch_checklists_pdf", "/branches/{p.branch}/checklists.pdf", get=EVERYONE),
    S("dossier.show_dossier", "/candidates/{p.case}/dossier", get=EVERYONE),
    S("dossier.edit_item", "/candidates/{p.case}/dossier/{p.key}", get=(LOGIN, 200, 200, 403, 403),
      post=(LOGIN, 400, 400, 403, 403), data=document),
    S("dossier.download_scan", "/candidates/{p.case}/dossier/{p.key}/file", get=EVERYONE),
    S("ceremonies.ceremony_day", "/ceremony-day/{p.branch}", get=(LOGIN, 200, 200, 403, 403),
      post=(LOGIN, 422, 422, 403, 403), data=ceremony),
    # Bulk acts (pipeline/bulkacts): the act's roles; the unit first (outside it, 404 whatever the
    # role). Commune A does not decide admissions: its committee may not record decisions.
    S("bulk_acts.committee_review", "/bulk/{p.branch}/committee-review", get=(LOGIN, 403, 200, 403, 403),
      post=(LOGIN, 403, 422, 403, 403), data=bulk_review),
    S("bulk_acts.decision", "/bulk/{p.branch}/decision", get=(LOGIN, 403, 403, 200, 403),
      post=(LOGIN, 403, 403, 422, 403), data=bulk_decision),
    S("dashboard.matrix", ("/dashboard/?unit={p.branch}", "/dashboard/?unit={p.branch}&format=csv"), get=EVERYONE),
    S("dashboard.cases", ("/dashboard/cases?unit={p.branch}&which=all",
                          "/dashboard/cases?unit={p.branch}&format=csv"), get=EVERYONE),
    S("dashboard.board", "/dashboard/branches/{p.branch}/board", get=EVERYONE),
    S("dashboard.deadlines", ("/dashboard/deadlines", "/dashboard/deadlines?format=csv"), get=EVERYONE),
    # The workflow's diagram: the same page for everyone, its counts in the user's scope.
    S("process.diagram", "/process", get=EVERYONE),
    S("quotas.index", ("/quotas/?unit={p.branch}&year=2022", "/quotas/?unit={p.branch}&year=2022&format=csv"),
      get=EVERYONE),
    S("quotas.set_unit_quota", "/quotas/?unit={p.branch}", post=(LOGIN, 403, 422, 422, 422), data=quota),
    S("reports.year_report", ("/reports/year?unit={p.branch}&year=2022",
                              "/reports/year?unit={p.branch}&year=2022&format=csv"), get=EVERYONE),
    S("reports.year_report_pdf", "/reports/year.pdf?unit={p.branch}&year=2022", get=EVERYONE),
    S("training.list_classes", ("/training/", "/training/?format=csv"), get=EVERYONE),
    # Classes are seen from below (the town's class by all its units): only another town's is outside.
    S("training.show_class", ("/training/{p.klass}", "/training/{p.klass}?format=csv"), get=EVERYONE),
    S("training.enrol", "/training/{p.klass}/enrol", get=(LOGIN, 200, 200, 200, 403),
      post=(LOGIN, 422, 422, 422, 403), data=enrol_bulk),
    S("training.results", "/training/{p.klass}/results", get=(LOGIN, 403, 403, 200, 403),
      post=(LOGIN, 403, 403, 422, 403), data=results),
    # The organiser is a form field: a unit outside the board's is not offered (422).
    S("training.new_class", "/training/new", get=(LOGIN, 403, 403, 200, 403), post=(LOGIN, 403, 403, 422, 403),
      data=new_class, outside=(None, 403, 403, 422, 403)),
    # The calendar is one for the whole deployment: no outside, the role decides.
    S("workdays.show_calendar", "/admin/calendar", get=ADMIN_ONLY),
    S("workdays.add_override", "/admin/calendar", post=(LOGIN, 404, 404, 404, 422), data=calendar_day,
      outside=None),
    S("workdays.delete_override", "/admin/calendar/{p.override}/delete", get=ADMIN_ONLY,
      post=(LOGIN, 404, 404, 404, 302), writes=("admin",)),
    # The audit (pipeline/audit): a secretary may not open its pages at all (403, whatever the
    # object); the other roles read their subtree. The log's unit filter ignores a unit outside it.
    S("audit.log", ("/audit/?unit={p.branch}", "/audit/?unit={p.branch}&format=csv"),
      get=(LOGIN, 403, 200, 200, 200), outside=(None, 403, 200, 200, 200)),
    S("audit.case_log", "/audit/cases/{p.case}", get=(LOGIN, 403, 200, 200, 200), outside=(None, 403, 404, 404, 404)),
    S("audit.verify_chains", "/audit/verify?unit={p.branch}", get=(LOGIN, 403, 200, 200, 200),
      outside=(None, 403, 404, 404, 404)),
    S("audit.anomalies", ("/audit/anomalies?unit={p.branch}", "/audit/anomalies?unit={p.branch}&format=csv"),
      get=(LOGIN, 403, 200, 200, 200), outside=(None, 403, 404, 404, 404)),
    # The read log: the audit's roles; a unit outside the subtree in its filter is refused by the
    # form (a message, no rows): 200, no leak.
    S("read_log.reads", ("/audit/reads?unit={p.branch}", "/audit/reads?case={p.case}"),
      get=(LOGIN, 403, 200, 200, 200), outside=(None, 403, 200, 200, 200)),
    # A correction is an act: the roles that act on cases, in their scope; an administrator never.
    S("audit.correct", "/audit/cases/{p.case}/correct", get=(LOGIN, 200, 200, 200, 403),
      post=(LOGIN, 422, 422, 422, 403), data=correction, outside=(None, 404, 404, 404, 403)),
    # Voiding an act: the roles that act on cases, in their scope. The spotting (no. 1) is never
    # voided: the page says why and a POST records nothing (422).
    S("cases.void", "/candidates/{p.case}/void/1", get=(LOGIN, 200, 200, 200, 403),
      post=(LOGIN, 422, 422, 422, 403), data=void, outside=(None, 404, 404, 404, 403)),
    # The units (pipeline/units/views.py): a unit outside the user's subtree is 404; inside it,
    # whoever is no administrator gets 403. The place's branch is below the administrator's unit.
    S("units.list_units", "/admin/units/", get=(LOGIN, 403, 403, 403, 200)),
    # The parent preselected from the query: a unit outside is 404; the posted parent is a form
    # field (one outside is not offered: 422).
    S("units.new_unit", "/admin/units/new?parent={p.branch}", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), data=new_unit),
    S("units.show_unit", "/admin/units/{p.branch}", get=(LOGIN, 403, 403, 403, 200)),
    S("units.edit_unit", "/admin/units/{p.branch}", post=(LOGIN, 403, 403, 403, 422), data=unit_details),
    S("units.move_unit", "/admin/units/{p.branch}/move", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), data=move_unit),
    S("units.close_unit", "/admin/units/{p.branch}/close", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), data=close_unit),
    # A merge or a split: previewed first, carried out when confirmed on the preview (the data
    # of a refused request is confirmed: a missing gate would write). Successors are form fields.
    S("units.merge_unit", "/admin/units/{p.branch}/merge", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), data=merge_units),
    S("units.split_unit", "/admin/units/{p.branch}/split", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), data=split_unit),
    S("users.list_users", "/admin/users/?unit={p.branch}", get=ADMIN_ONLY, outside=(None, 404, 404, 404, 200)),
    # The unit is a form field: one outside the administrator's is not offered (422).
    S("users.new_user", "/admin/users/new", get=ADMIN_ONLY, post=(LOGIN, 404, 404, 404, 422), data=account,
      outside=(None, 404, 404, 404, 422)),
    S("users.show_user", "/admin/users/{p.user}", get=ADMIN_ONLY),
    S("users.edit_user", "/admin/users/{p.user}", post=(LOGIN, 404, 404, 404, 422), data=details),
    S("users.reset_password", "/admin/users/{p.user}/password", post=(LOGIN, 404, 404, 404, 422), data=password),
    S("users.disable_user", "/admin/users/{p.user}/disable", post=(LOGIN, 404, 404, 404, 422), data=reason),
    S("users.enable_user", "/admin/users/{p.user}/enable", post=(LOGIN, 404, 404, 404, 422), data=reason),
    # An EmptyForm button: the place's secretary has no second factor, so nothing is written.
    S("users.reset_two_factor", "/admin/users/{p.user}/two-factor/reset", post=(LOGIN, 404, 404, 404, 302),
      data=lambda p: {}),
    # The imports of units and accounts (pipeline/bulk): administrators only, other roles refused
    # as by the pages beside them (403 under /admin/units, 404 under /admin/users). The URLs name
    # no object: the file's rows outside the subtree are problems of the preview
    # (tests/test_unit_import.py, tests/test_account_import.py). Without a file: 422.
    S("unit_import.import_units", "/admin/units/import", get=(LOGIN, 403, 403, 403, 200),
      post=(LOGIN, 403, 403, 403, 422), outside=None),
    S("unit_import.confirm_units", "/admin/units/import/confirm", post=(LOGIN, 403, 403, 403, 422), outside=None),
    S("unit_import.unit_template", ("/admin/units/import/template?format=xlsx",
                                    "/admin/units/import/template?format=csv"), get=(LOGIN, 403, 403, 403, 200),
      outside=None),
    S("unit_import.export_units", ("/admin/units/export?format=xlsx", "/admin/units/export?format=csv"),
      get=(LOGIN, 403, 403, 403, 200), outside=None),
    S("account_import.import_accounts", "/admin/users/import", get=ADMIN_ONLY, post=(LOGIN, 404, 404, 404, 422),
      outside=None),
    S("account_import.confirm_accounts", "/admin/users/import/confirm", post=(LOGIN, 404, 404, 404, 422),
      outside=None),
    S("account_import.account_template", ("/admin/users/import/template?format=xlsx",
                                          "/admin/users/import/template?format=csv"), get=ADMIN_ONLY, outside=None),
    S("account_import.export_accounts", ("/admin/users/export?format=xlsx", "/admin/users/export?format=csv"),
      get=ADMIN_ONLY, outside=None),
    # The import of cases in flight (pipeline/imports/views.py): committees and administrators; the
    # file's rows outside the importer's subtree are problems of the preview
    # (tests/test_import_history.py). Without a file: 422.
    S("case_import.import_cases", "/candidates/import", get=(LOGIN, 403, 200, 403, 200),
      post=(LOGIN, 403, 422, 403, 422), outside=None),
    S("case_import.confirm_cases", "/candidates/import/confirm", post=(LOGIN, 403, 422, 403, 422), outside=None),
    S("case_import.template", ("/candidates/import/template?format=xlsx", "/candidates/import/template?format=csv"),
      get=(LOGIN, 403, 200, 403, 200), outside=None),
    # The user's own API tokens: everyone has theirs and nobody another's (an id not theirs: 404).
    S("tokens.list_tokens", "/account/tokens", get=EVERYONE, post=(LOGIN, 422, 422, 422, 422), data=api_token,
      outside=None),
    S("tokens.revoke", "/account/tokens/999999/revoke", post=(LOGIN, 404, 404, 404, 404), outside=None),
    # The API's document and its page describe it; they show no data.
    S("api-docs.openapi_json", "/api/v1/openapi.json", get=(200, 200, 200, 200, 200), public=True),
    S("api_docs.docs", "/api/v1/docs", get=(200, 200, 200, 200, 200), public=True),
]

SPEC_BY_ENDPOINT = {spec.endpoint: spec for spec in SPECS}
