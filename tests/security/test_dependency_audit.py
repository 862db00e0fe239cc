"""The decisions of `make security`'s dependency audit, on pip-audit reports made here
(the real services are out of reach of the tests)."""

import pytest

from security.audit_dependencies import KNOWN_FILE, audit, read_known, verdict


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def clean(name: str, version: str = "1.0") -> dict:
    return {"name": name, "version": version, "vulns": []}


def vulnerable(name: str, version: str, vuln_id: str, *aliases: str, fix: str = "") -> dict:
    vuln = {"id": vuln_id, "aliases": list(aliases), "fix_versions": [fix] if fix else []}
    return {"name": name, "version": version, "vulns": [vuln]}


def unanswered(name: str) -> dict:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}


def services(**answers):
    """A stand-in for pip-audit: the report (or None, unreachable) of each service."""

    def run(_lock, service):
        answer = answers.get(service)
        if answer is None:
            return None, f"{service} unreachable"
        return answer, ""

    return run


def test_an_unexplained_vulnerability_fails_and_says_which_version_fixes_it():
    result = audit(
        "requirements.lock",
        services(
            pypi=report(clean("django"), vulnerable("pillow", "12.0", "GHSA-aaaa", fix="12.1"))
        ),
    )
    code, lines = verdict(result, {}, required=False)
    assert code == 1
    assert "VULNERABLE pillow 12.0: GHSA-aaaa; fixed in: 12.1" in lines
    assert "FAILED" in lines[-1]


def test_a_vulnerability_explained_in_the_known_list_passes_with_its_reason():
    result = audit(
        "requirements.lock",
        services(pypi=report(vulnerable("pypdf", "7.1", "PYSEC-1", "CVE-2026-1"))),
    )
    code, lines = verdict(result, {"CVE-2026-1": "pypdf: we never decrypt PDFs"}, required=True)
    assert code == 0
    assert "known    pypdf 7.1 CVE-2026-1: pypdf: we never decrypt PDFs" in lines
    assert lines[-1].startswith("Dependency audit clean: 1 packages")


def test_a_known_entry_no_longer_reported_is_pointed_out_without_failing():
    result = audit("requirements.lock", services(pypi=report(clean("django"))))
    code, lines = verdict(result, {"GHSA-old": "django: fixed since"}, required=True)
    assert code == 0
    assert any("GHSA-old is no longer reported" in line for line in lines)


def test_unreachable_services_leave_the_audit_not_done_and_fail_only_when_required():
    result = audit("requirements.lock", services())
    assert verdict(result, {}, required=False)[0] == 0
    code, lines = verdict(result, {}, required=True)
    assert code == 2
    assert "NOT DONE" in lines[-1]
    assert "  pypi unreachable" in lines and "  osv unreachable" in lines


def test_packages_pypi_cannot_answer_for_are_asked_to_osv():
    result = audit(
        "requirements.lock",
        services(
            pypi=report(clean("django"), unanswered("brotli")),
            osv=report(unanswered("django"), clean("brotli")),
        ),
    )
    assert result.unaudited == set()
    assert verdict(result, {}, required=True)[0] == 0


def test_a_package_no_service_answers_for_leaves_the_audit_incomplete():
    result = audit(
        "requirements.lock",
        services(pypi=report(clean("django"), unanswered("brotli")), osv=None),
    )
    code, lines = verdict(result, {}, required=True)
    assert code == 2
    assert "answered for 1 packages" in lines[-1]
    assert "  pypi: no answer for 1 of 2 packages; pip-audit says, for one: " in lines[0]


def test_a_vulnerability_found_by_one_service_fails_even_if_the_audit_is_incomplete():
    result = audit(
        "requirements.lock",
        services(pypi=report(vulnerable("django", "5.2", "PYSEC-9"), unanswered("brotli"))),
    )
    assert verdict(result, {}, required=False)[0] == 1


def test_a_known_entry_must_give_its_reason(tmp_path):
    known = tmp_path / "known.txt"
    known.write_text("# comment\nGHSA-aaaa  pillow\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"known\.txt:2"):
        read_known(known)
    known.write_text("GHSA-aaaa  pillow  we re-encode every upload  # checked 2026-11\n")
    assert read_known(known) == {"GHSA-aaaa": "pillow: we re-encode every upload"}


def test_the_project_known_list_reads():
    assert all(reason for reason in read_known(KNOWN_FILE).values())
