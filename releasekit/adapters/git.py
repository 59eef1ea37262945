"""git, as argv lists run through :class:`~releasekit.adapters.shell.Shell`.

Mechanism only: the rite decides what to commit, push and tag; this module
knows how to ask git. Read-only queries pass ``changes=False`` so they run
during a dry run too (fetch included: it changes remote-tracking refs only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.shell import Shell
from releasekit.core.errors import CommandFailed, GitError, telling_line


@dataclass
class Git:
    shell: Shell
    cwd: Path

    # --- running ---------------------------------------------------------
    def _run(self, *args: str, changes: bool = True, check: bool = True, hint: str | None = None):
        return self.shell.run(["git", *args], cwd=self.cwd, changes=changes, check=check, hint=hint)

    def _read(self, *args: str) -> str:
        return self._run(*args, changes=False).stdout.strip()

    def _ok(self, *args: str) -> bool:
        return self._run(*args, changes=False, check=False).exited == 0

    # --- queries -----------------------------------------------------------
    def is_repo(self) -> bool:
        return self._ok("rev-parse", "--git-dir")

    def current_branch(self) -> str:
        name = self._read("rev-parse", "--abbrev-ref", "HEAD")
        if name == "HEAD":
            raise GitError("HEAD is detached", "check out a branch first")
        return name

    def status(self) -> list[str]:
        """Porcelain status lines, untracked files included."""
        out = self._run("status", "--porcelain", "--untracked-files=all", changes=False).stdout
        return [line for line in out.splitlines() if line.strip()]

    def remote_url(self, remote: str) -> str | None:
        res = self._run("remote", "get-url", remote, changes=False, check=False)
        return res.stdout.strip() if res.ok else None

    def configured_url(self, remote: str) -> str | None:
        """The remote's URL as configured, before any ``url.*.insteadOf`` rewrite: the name the project
        goes by (its forge) even where fetches and pushes are redirected elsewhere."""
        res = self._run("config", "--get", f"remote.{remote}.url", changes=False, check=False)
        return res.stdout.strip() if res.ok and res.stdout.strip() else None

    def fetch(self, remote: str) -> None:
        self._run("fetch", "--quiet", "--prune", "--tags", remote, changes=False,
                  hint=f"is the remote '{remote}' reachable?")

    def rev(self, ref: str) -> str | None:
        res = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", changes=False, check=False)
        return res.stdout.strip() if res.ok else None

    def local_refs(self, namespace: str) -> list[str]:
        """Short names under ``refs/heads`` or ``refs/tags``: the local branches or tags."""
        out = self._read("for-each-ref", "--format=%(refname:lstrip=2)", f"refs/{namespace}")
        return [line for line in out.splitlines() if line]

    def branch_exists(self, name: str) -> bool:
        return self.rev(f"refs/heads/{name}") is not None

    def remote_branch_exists(self, remote: str, name: str) -> bool:
        return self.rev(f"refs/remotes/{remote}/{name}") is not None

    def ahead_behind(self, ref: str, upstream: str) -> tuple[int, int]:
        out = self._read("rev-list", "--left-right", "--count", f"{ref}...{upstream}")
        ahead, behind = out.split()
        return int(ahead), int(behind)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._ok("merge-base", "--is-ancestor", ancestor, descendant)

    def local_tag(self, tag: str) -> str | None:
        """The commit a local tag points at, or None."""
        return self.rev(f"refs/tags/{tag}")

    def remote_tag(self, remote: str, tag: str) -> str | None:
        """The commit the remote's tag points at (peeled), or None; asks the remote itself."""
        out = self._read("ls-remote", "--tags", remote, f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}")
        found: dict[str, str] = {}
        for line in out.splitlines():
            sha, ref = line.split("\t", 1)
            found[ref] = sha
        return found.get(f"refs/tags/{tag}^{{}}") or found.get(f"refs/tags/{tag}")

    def remote_branch_head(self, remote: str, branch: str) -> str | None:
        out = self._read("ls-remote", "--heads", remote, f"refs/heads/{branch}")
        return out.split()[0] if out else None

    def default_branch(self, remote: str) -> str | None:
        """The remote's HEAD branch, from the remote-tracking symref if present."""
        res = self._run("symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD", changes=False, check=False)
        if res.ok:
            return res.stdout.strip().rsplit("/", 1)[-1]
        res = self._run("ls-remote", "--symref", remote, "HEAD", changes=False, check=False)
        for line in res.stdout.splitlines():
            if line.startswith("ref: refs/heads/"):
                return line.split("\t", 1)[0][len("ref: refs/heads/"):]
        return None

    def merge_base(self, a: str, b: str) -> str:
        return self._read("merge-base", a, b)

    def log_oneline(self, rev_range: str, paths: list[str] | None = None) -> list[str]:
        args = ["log", "--no-decorate", "--format=%h %s", rev_range]
        if paths:
            args += ["--", *paths]
        out = self._read(*args)
        return [line for line in out.splitlines() if line]

    def commits_touching_other_than(self, rev_range: str, excluded: list[str]) -> list[str]:
        """Commits in range that change anything besides ``excluded`` paths (oldest first)."""
        pathspec = ["."] + [f":(exclude){p}" for p in excluded]
        out = self._read("log", "--reverse", "--no-decorate", "--format=%h %s", rev_range, "--", *pathspec)
        return [line for line in out.splitlines() if line]

    def subjects_since(self, ref: str) -> list[str]:
        out = self._read("log", "--no-merges", "--format=%s", f"{ref}..HEAD")
        return [line for line in out.splitlines() if line]

    def subjects_oldest_first(self, rev: str) -> list[str]:
        """Subjects of the non-merge commits of ``rev`` (``A..B``, or all of ``B``), oldest first."""
        out = self._read("log", "--no-merges", "--reverse", "--format=%s", rev)
        return [line for line in out.splitlines() if line.strip()]

    def ls_files(self, ref: str | None = None) -> list[str]:
        out = self._read("ls-tree", "-r", "--name-only", ref) if ref else self._read("ls-files")
        return [line for line in out.splitlines() if line]

    def show_file(self, ref: str, path: str) -> str | None:
        res = self._run("show", f"{ref}:{path}", changes=False, check=False)
        return res.stdout if res.ok else None

    def changed_files(self, ref: str) -> list[str]:
        out = self._read("diff-tree", "--no-commit-id", "--name-only", "-r", ref)
        return [line for line in out.splitlines() if line]

    def head_subject(self, ref: str = "HEAD") -> str:
        return self._read("log", "-1", "--format=%s", ref)

    # --- changes -------------------------------------------------------------
    def checkout(self, branch: str) -> None:
        self._run("checkout", "--quiet", branch)

    def create_branch(self, name: str, start: str = "HEAD") -> None:
        self._run("checkout", "--quiet", "-b", name, start)

    def commit(self, paths: list[str], message: str) -> bool:
        """Commit ``paths`` with ``message``; returns False (and commits nothing) if they are unchanged."""
        if not self.shell.dry_run:
            staged = self._run("status", "--porcelain", "--", *paths, changes=False).stdout.strip()
            if not staged:
                return False
        present = [p for p in paths if (self.cwd / p).exists()]  # a removed file's deletion is committed as it is
        if present:
            self._run("add", "--", *present)
        self._run("commit", "--quiet", "-m", message, "--", *paths)
        return True

    def push(self, remote: str, refspec: str, *, set_upstream: bool = False) -> None:
        """Push; a push the remote refuses (a hook, branch protection) is told in the remote's own words."""
        args = ["push", "--quiet", "--porcelain"]
        if set_upstream:
            args.append("--set-upstream")
        try:
            self._run(*args, remote, refspec, hint=f"check that you may push to '{remote}' and that it is reachable")
        except CommandFailed as exc:
            reason = push_refusal(exc.output)
            if reason is None:
                raise
            raise GitError(f"'{remote}' refused the push of {refspec}: {reason}",
                           "fix what the remote says (or ask its owner), then run the same command again") from None

    def tag_annotated(self, tag: str, message: str, ref: str = "HEAD", *, sign: bool = False) -> None:
        """An annotated tag; with ``sign`` a signed one (git's own ``-s``, gpg or ssh as git is set up)."""
        if not sign:
            self._run("tag", "-a", tag, "-m", message, ref)
            return
        try:
            self._run("tag", "-s", tag, "-m", message, ref)
        except CommandFailed as exc:
            raise GitError(f"git could not sign the tag {tag}: {telling_line(exc.output) or exc.message}",
                           "configure a signing key (git config user.signingkey KEYID), or set `releasekit.tag_sign` "
                           "to false") from None

    def _config(self, key: str) -> str | None:
        res = self._run("config", "--get", key, changes=False, check=False)
        return (res.stdout.strip() or None) if res.ok else None

    def signing_problem(self) -> str | None:
        """Why `git tag -s` could not sign here, None when it can. As git does: user.signingkey when
        set (for ssh signing, a key file that exists); without it, openpgp signing asks gpg for a
        secret key of the committer's email, and ssh or x509 signing has nothing to sign with."""
        fmt = self._config("gpg.format") or "openpgp"
        key = self._config("user.signingkey")
        if key:
            path = Path(key.removeprefix("key::")).expanduser()
            if fmt == "ssh" and not key.startswith("key::") and not path.is_file():
                return f"user.signingkey names {key}, which is not a file (gpg.format is ssh)"
            return None
        if fmt != "openpgp":
            return f"git signs with {fmt} (gpg.format), but user.signingkey is not set"
        ident = self._run("var", "GIT_COMMITTER_IDENT", changes=False, check=False)
        email = ident.stdout.partition("<")[2].partition(">")[0] if ident.ok else ""
        if not email:
            return "user.signingkey is not set, and git has no committer email for gpg to find a key by"
        program = self._config(f"gpg.{fmt}.program") or self._config("gpg.program") or "gpg"
        found = self.shell.run([program, "--batch", "--with-colons", "--list-secret-keys", f"<{email}>"],
                               cwd=self.cwd, changes=False, check=False)
        if found.exited == 127:
            return f"user.signingkey is not set, and {program} (gpg.program) is not installed"
        if found.ok and any(line.startswith("sec:") for line in found.stdout.splitlines()):
            return None
        return f"user.signingkey is not set, and {program} has no secret key for {email}"

    def rebase_onto_upstream(self, upstream: str) -> None:
        """Replay local commits on top of ``upstream``; on a conflict abort and raise."""
        try:
            self._run("rebase", "--quiet", upstream)
        except CommandFailed as exc:
            self._run("rebase", "--abort", check=False)
            raise GitError(
                f"the remote moved and replaying the local commits on {upstream} conflicts: {exc.message}",
                "integrate the remote changes by hand (git pull --rebase), then run `release` again to resume",
            ) from None

    def cherry_pick(self, commits: list[str]) -> None:
        try:
            self._run("cherry-pick", "-x", *commits)
        except CommandFailed as exc:
            self._run("cherry-pick", "--abort", check=False)
            raise GitError(
                f"cherry-picking {' '.join(commits)} conflicts: {exc.message}",
                "cherry-pick the commits by hand and resolve the conflicts",
            ) from None

    # --- undoing (rollback) ---------------------------------------------------------------
    def commits_between(self, base: str, tip: str) -> list[tuple[str, str]]:
        """(sha, subject) of the commits in ``base..tip``, newest first."""
        out = self._read("log", "--format=%H %s", f"{base}..{tip}")
        return [(line[:40], line[41:]) for line in out.splitlines() if line]

    def delete_branch(self, name: str) -> None:
        self._run("branch", "--quiet", "-D", name)

    def delete_tag(self, tag: str) -> None:
        self._run("tag", "--delete", tag)

    def delete_remote_ref(self, remote: str, ref: str) -> None:
        """Delete a branch or tag on the remote (``refs/heads/X``, ``refs/tags/X``): never a force-push."""
        self._run("push", "--quiet", "--porcelain", remote, f":{ref}",
                  hint=f"check that you may delete refs on '{remote}'")

    def reset_hard(self, ref: str) -> None:
        self._run("reset", "--quiet", "--hard", ref)

    def fast_forward(self, upstream: str) -> None:
        self._run("merge", "--quiet", "--ff-only", upstream)

    def revert(self, commit: str, message: str) -> None:
        """A new commit that undoes ``commit``; on a conflict abort and raise."""
        try:
            self._run("revert", "--no-edit", "--no-commit", commit)
            self._run("commit", "--quiet", "-m", message)
        except CommandFailed as exc:
            self._run("revert", "--abort", check=False)
            raise GitError(f"reverting {commit[:12]} conflicts: {exc.message}",
                           "revert it by hand, then run the same command again") from None

    def restore(self, paths: list[str], ref: str = "HEAD") -> None:
        self._run("checkout", "--quiet", ref, "--", *paths)

    def stash(self, message: str) -> None:
        self._run("stash", "push", "--quiet", "--include-untracked", "-m", message)

    def export(self, ref: str, dest: Path) -> Path:
        """A clean export of ``ref`` (tracked files only, no .git) into ``dest``."""
        dest.mkdir(parents=True, exist_ok=True)
        self.shell.run(
            f"git archive --format=tar {ref} | tar -x -C {_q(dest)}",
            cwd=self.cwd,
            changes=False,
            hint="is the ref present locally?",
        )
        return dest


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def push_refusal(output: str) -> str | None:
    """Why the remote refused a push: what its hooks printed (git's ``remote:`` lines) and git's
    ``[remote rejected] (reason)``; None when the remote refused nothing (unreachable, no access)."""
    said = []
    rejected = []
    for raw in output.splitlines():
        line = _ANSI.sub("", raw).strip()
        if line.startswith("remote:"):
            text = line[len("remote:"):].strip()
            if text and text not in said:
                said.append(text)
        else:
            found = re.search(r"\[remote rejected\][^(]*\((?P<why>[^)]*)\)", line)
            if found and found["why"] not in rejected:
                rejected.append(found["why"])
    if not rejected:
        return None
    return " ".join(["; ".join(said)] * bool(said) + [f"({why})" for why in rejected])


def _q(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
