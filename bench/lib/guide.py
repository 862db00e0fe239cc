"""What the benchmarks read of docs/deployment.md: gunicorn's command line and nginx's
server block, taken from the guide's own text so that the benchmarks run what it says
and cannot drift from it. A change of the guide that these readers no longer understand
fails the benchmark loudly instead of being silently ignored."""

import re
import shlex
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def _fenced_blocks(language: str, text: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def _text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def gunicorn_arguments() -> list[str]:
    """The arguments of gunicorn in the guide's monquartier-web.service (ExecStart, its
    continuation lines joined), without the executable."""
    for block in _fenced_blocks("ini", _text()):
        joined = block.replace("\\\n", " ")
        found = re.search(r"^ExecStart=(\S*/gunicorn\s.*)$", joined, flags=re.MULTILINE)
        if found:
            return shlex.split(found.group(1))[1:]
    raise LookupError(f"{GUIDE}: no ExecStart= line running gunicorn in an ```ini block")


def nginx_server_block() -> str:
    """The guide's main `server { … }` block (the one that proxies to gunicorn), as written."""
    for block in _fenced_blocks("nginx", _text()):
        start = 0
        while (start := block.find("server {", start)) >= 0:
            depth, end = 0, start
            for end in range(start, len(block)):
                depth += {"{": 1, "}": -1}.get(block[end], 0)
                if depth == 0 and block[end] == "}":
                    break
            server = block[start : end + 1]
            if "proxy_pass" in server:
                return server
            start = end + 1
    raise LookupError(f"{GUIDE}: no ```nginx block with a server {{ … proxy_pass … }}")
