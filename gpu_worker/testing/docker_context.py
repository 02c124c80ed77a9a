"""An image's files as Docker would put them there, without a Docker engine.

``image_files`` reads a build context through its ``.dockerignore`` (Docker's rules: patterns as
Go's filepath.Match with ``**`` for any number of directories, a pattern excluding a directory
excluding what is under it, ``!`` taking files back, the last matching line deciding), then
follows the Dockerfile's ``WORKDIR`` and ``COPY`` lines into a directory standing for the image's
file system. Tests run in it what the image runs at build and start.
"""

import re
import shlex
import shutil
from pathlib import Path, PurePosixPath


def pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regular expression over a slash-separated relative path."""
    out, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        elif pattern[index] == "[":
            end = pattern.index("]", index)
            out.append("[" + pattern[index + 1 : end].replace("!", "^", 1) + "]")
            index = end + 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


def ignore_rules(context: Path) -> list[tuple[re.Pattern, bool]]:
    """The context's .dockerignore as (pattern, excludes) in file order."""
    path = context / ".dockerignore"
    rules = []
    for line in path.read_text().splitlines() if path.exists() else []:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        cleaned = str(PurePosixPath(line.lstrip("!").strip().strip("/"))) or "."
        rules.append((pattern_regex(cleaned), excludes))
    return rules


def is_ignored(relative: str, rules: list[tuple[re.Pattern, bool]]) -> bool:
    parents = [str(parent) for parent in PurePosixPath(relative).parents if str(parent) != "."]
    ignored = False
    for regex, excludes in rules:
        if regex.match(relative) or any(regex.match(parent) for parent in parents):
            ignored = excludes
    return ignored


def context_files(context: Path) -> list[str]:
    """Every file Docker sends of the context, as relative paths."""
    rules = ignore_rules(context)
    files = []
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context).as_posix()
        if path.is_file() and not path.is_symlink() and not is_ignored(relative, rules):
            files.append(relative)
    return files


def dockerfile_copies(dockerfile: Path) -> tuple[list[tuple[list[str], str]], str]:
    """Each COPY from the build context as (sources, absolute destination), and the last WORKDIR."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    workdir, copies = PurePosixPath("/"), []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        instruction, arguments = words[0].upper(), [word for word in words[1:] if not word.startswith("--")]
        if instruction == "WORKDIR":
            workdir = workdir / arguments[0]
        elif instruction == "COPY" and not any(word.startswith("--from") for word in words[1:]):
            *sources, destination = arguments
            into = destination.endswith("/") or destination in (".", "./") or len(sources) > 1
            absolute = str(workdir / destination) + ("/" if into else "")
            copies.append((sources, absolute))
    return copies, str(workdir)


def image_files(context: Path, dockerfile: Path, root: Path) -> Path:
    """Copy into ``root`` what the Dockerfile's COPY lines take from the context; the image's WORKDIR
    there. A directory's contents land in the destination; a file lands in it when it ends in /."""
    sent = context_files(context)
    copies, workdir = dockerfile_copies(dockerfile)
    for sources, destination in copies:
        target = root / destination.lstrip("/")
        for source in sources:
            source = str(PurePosixPath(source))
            prefix = "" if source == "." else source + "/"
            if source in sent:
                landings = {source: target / PurePosixPath(source).name if destination.endswith("/") else target}
            else:
                landings = {file: target / file[len(prefix) :] for file in sent if file.startswith(prefix)}
            if not landings:
                raise FileNotFoundError(f"COPY {source}: not in the build context")
            for file, landing in landings.items():
                landing.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(context / file, landing)
    return root / workdir.lstrip("/")
