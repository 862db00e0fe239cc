"""Audit the pinned dependencies (requirements.lock) for known vulnerabilities.

Runs pip-audit on the lock file without building an environment (`--disable-pip`: the
lock pins and hashes every package), asking PyPI's vulnerability data first and OSV
second, and decides:

- a vulnerability that is not in security/known_vulnerabilities.txt fails (exit 1),
  wherever this runs: upgrade the pin, or explain the finding in that file;
- a package that no service could answer for makes the audit incomplete: a loud notice,
  and a failure (exit 2) only when DEPENDENCY_AUDIT_REQUIRED is on. docs/decisions.md
  says why an unreachable service does not fail every run.

    .venv/bin/python -m security.audit_dependencies [--lock requirements.lock]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from monquartier.core.env import env_bool

ROOT = Path(__file__).resolve().parent.parent
KNOWN_FILE = ROOT / "security" / "known_vulnerabilities.txt"
SERVICES = ("pypi", "osv")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()

    @property
    def ids(self) -> set[str]:
        return {self.id, *self.aliases}


@dataclass
class Audit:
    """What the services answered, put together: a package counts as audited once any
    service answered for it."""

    packages: set[str] = field(default_factory=set)
    audited: set[str] = field(default_factory=set)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def unaudited(self) -> set[str]:
        return self.packages - self.audited

    def add_report(self, report: dict) -> None:
        for dependency in report.get("dependencies", []):
            name = dependency["name"]
            self.packages.add(name)
            if "skip_reason" in dependency:
                continue
            self.audited.add(name)
            for vuln in dependency.get("vulns", []):
                finding = Finding(
                    package=name,
                    version=dependency.get("version", "?"),
                    id=vuln["id"],
                    aliases=tuple(vuln.get("aliases", ())),
                    fix_versions=tuple(vuln.get("fix_versions", ())),
                )
                self.findings.setdefault((name, finding.id), finding)


def read_known(path: Path) -> dict[str, str]:
    """`ID package reason…` a line; `#` starts a comment. An entry without its reason is
    refused: the file exists to say why each finding is accepted."""
    known: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            raise ValueError(f"{path.name}:{number}: write `ID package reason`, got {raw!r}")
        vuln_id, package, reason = parts
        known[vuln_id] = f"{package}: {reason}"
    return known


def run_pip_audit(lock: Path, service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report, or None and why there is none (it writes its report
    even when it finds vulnerabilities, and none when the service cannot be reached)."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "report.json"
        command = [
            *(sys.executable, "-m", "pip_audit"),
            *("--requirement", str(lock), "--require-hashes", "--disable-pip"),
            *("--vulnerability-service", service, "--timeout", "20"),
            *("--format", "json", "--output", str(output), "--progress-spinner", "off"),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if not output.exists():
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"pip-audit --vulnerability-service {service} failed: {last_line}"
        return json.loads(output.read_text(encoding="utf-8")), ""


def audit(lock: Path, run=run_pip_audit) -> Audit:
    combined = Audit()
    for service in SERVICES:
        report, problem = run(lock, service)
        if report is None:
            combined.problems.append(problem)
        else:
            combined.add_report(report)
            if combined.packages and not combined.unaudited:
                break
            skipped = [dep["skip_reason"] for dep in report["dependencies"] if "skip_reason" in dep]
            combined.problems.append(
                f"{service}: no answer for {len(combined.unaudited)} of "
                f"{len(combined.packages)} packages"
                + (f"; pip-audit says, for one: {skipped[0]}" if skipped else "")
            )
    return combined


def verdict(result: Audit, known: dict[str, str], *, required: bool) -> tuple[int, list[str]]:
    """The exit code and the lines to print."""
    lines: list[str] = []
    unexplained = []
    matched: set[str] = set()
    for finding in sorted(result.findings.values(), key=lambda f: (f.package, f.id)):
        explained = finding.ids & known.keys()
        if explained:
            matched |= explained
            vuln_id = sorted(explained)[0]
            lines.append(
                f"known    {finding.package} {finding.version} {vuln_id}: {known[vuln_id]}"
            )
        else:
            unexplained.append(finding)
    for finding in unexplained:
        fix = ", ".join(finding.fix_versions) or "no fixed version yet"
        aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
        lines.append(
            f"VULNERABLE {finding.package} {finding.version}: {finding.id}{aliases}; fixed in: {fix}"
        )
    complete = bool(result.packages) and not result.unaudited
    if complete:
        for vuln_id in sorted(known.keys() - matched):
            lines.append(f"note: {vuln_id} is no longer reported; remove it from {KNOWN_FILE.name}")

    if unexplained:
        lines.append(
            f"Dependency audit FAILED: {len(unexplained)} unexplained vulnerabilities. Upgrade the "
            f"pin in pyproject.toml (then make lock), or explain the finding in "
            f"security/{KNOWN_FILE.name}."
        )
        code = 1
    elif complete:
        lines.append(
            f"Dependency audit clean: {len(result.packages)} packages, "
            f"{len(result.findings)} known findings explained."
        )
        code = 0
    else:
        lines.extend(f"  {problem}" for problem in result.problems)
        unchecked = len(result.unaudited) if result.packages else "all"
        lines.append(
            f"Dependency audit NOT DONE: no vulnerability service answered for {unchecked} "
            f"packages. Nothing above says they are safe."
        )
        code = 2 if required else 0
        if not required:
            lines.append("(DEPENDENCY_AUDIT_REQUIRED=1 makes this a failure.)")
    return code, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    options = parser.parse_args(argv)
    known = read_known(KNOWN_FILE)
    code, lines = verdict(
        audit(options.lock), known, required=env_bool("DEPENDENCY_AUDIT_REQUIRED", default=False)
    )
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
