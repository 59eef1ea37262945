"""The version engine: the reference version table, every bump rule, and the invariant
that a bump never yields a version that is not strictly greater."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from releasekit.core import versioning
from releasekit.core.errors import VersionError

# No deadline: these tests are not about time, and a slow machine must not flake them.
UNTIMED = settings(deadline=None)


def case(version: str, part: str, expected: str, id: str, pre: str | None = None):
    return pytest.param(version, part, pre, expected, id=id)


# --- the table in reference/fastai-release-process.md ("Version bumps", releasekit column) ---

REFERENCE_BUMPS = [
    case("1.0.6", "patch", "1.0.7", "1.0.6 patch"),
    case("1.0.6.dev0", "patch", "1.0.6", "1.0.6.dev0 patch finalizes"),
    case("1.0.6.post1", "patch", "1.0.7", "1.0.6.post1 patch goes forward"),
    case("1.0.6", "minor", "1.1.0", "1.0.6 minor"),
    case("1.0.6", "major", "2.0.0", "1.0.6 major"),
    case("2.0.0.dev0", "major", "2.0.0", "2.0.0.dev0 major finalizes"),
    case("1.0.6", "post", "1.0.6.post1", "1.0.6 post"),
    case("1.0.6.post1", "post", "1.0.6.post2", "1.0.6.post1 post"),
    case("1.0.6rc1", "patch", "1.0.6", "1.0.6rc1 patch finalizes"),
]

REFERENCE_BUMP_DEVS = [
    pytest.param("1.0.6", "patch", "1.0.7.dev0", id="1.0.6 bump-dev"),
    pytest.param("1.0.6.dev0", "patch", "1.0.7.dev0", id="1.0.6.dev0 bump-dev"),
    pytest.param("2.0.0.dev0", "major", "3.0.0.dev0", id="2.0.0.dev0 bump-major-dev"),
]

# --- the rules of the issue, beyond the table -------------------------------------------------

RULE_BUMPS = [
    case("1.1.0.dev0", "minor", "1.1.0", "minor of the minor's dev finalizes"),
    case("1.1.1.dev0", "minor", "1.2.0", "minor of a patch's dev moves on"),
    case("2.1.0.dev0", "major", "3.0.0", "major of a minor's dev moves on"),
    case("2.0.0rc2", "major", "2.0.0", "major of the major's rc finalizes"),
    case("1.0.6.post2", "patch", "1.0.7", "patch of a post-release"),
    case("1.0.6.post2", "minor", "1.1.0", "minor of a post-release"),
    case("1.0.6.dev3", "patch", "1.0.6", "any dev number finalizes"),
    case("1.0.6rc1.dev0", "patch", "1.0.6", "dev of an rc finalizes"),
    case("1.0.6rc1.post1", "patch", "1.0.6", "post of an rc finalizes"),
    case("1.0.6.post1.dev0", "patch", "1.0.7", "dev of a post-release moves on"),
    case("0.9.9", "major", "1.0.0", "major from zero"),
    # X.Y versions stay X.Y for major/minor; a patch bump needs the third segment
    case("1.2", "patch", "1.2.1", "X.Y patch"),
    case("1.2", "minor", "1.3", "X.Y minor"),
    case("1.2", "major", "2.0", "X.Y major"),
    case("1.2.dev0", "patch", "1.2", "X.Y dev finalizes"),
    case("1.2", "post", "1.2.post1", "X.Y post"),
    # an epoch is kept
    case("1!1.0.6", "patch", "1!1.0.7", "epoch kept by patch"),
    case("2!1.0.6.dev0", "patch", "2!1.0.6", "epoch kept when finalizing"),
    case("1!1.0.6", "major", "1!2.0.0", "epoch kept by major"),
    case("1!1.0.6", "post", "1!1.0.6.post1", "epoch kept by post"),
    case("1!1.0.6", "patch", "1!1.0.7rc1", "epoch kept by pre", pre="rc"),
    # pre-releases
    case("1.0.7.dev0", "patch", "1.0.7rc1", "rc of the dev's release", pre="rc"),
    case("1.0.7rc1", "patch", "1.0.7rc2", "rc of an rc counts up", pre="rc"),
    case("1.0.7rc1.dev0", "patch", "1.0.7rc1", "rc of an rc's dev finalizes it", pre="rc"),
    case("1.0.7a2", "patch", "1.0.7b1", "alpha to beta", pre="b"),
    case("1.0.7b1", "patch", "1.0.7rc1", "beta to rc", pre="rc"),
    case("1.0.6", "patch", "1.0.7a1", "alpha of the next patch", pre="a"),
    case("1.0.6", "minor", "1.1.0b1", "beta of the next minor", pre="b"),
    case("1.0.7.dev0", "minor", "1.1.0rc1", "rc of a minor from a patch dev", pre="rc"),
    case("1.0.7rc2", "minor", "1.1.0a1", "a new minor starts its own pre-releases", pre="a"),
]


@pytest.mark.parametrize(("version", "part", "pre", "expected"), REFERENCE_BUMPS + RULE_BUMPS)
def test_bump(version, part, pre, expected):
    result = versioning.bump(version, part, pre)
    assert str(result) == expected
    assert result > Version(version)


@pytest.mark.parametrize(("version", "part", "expected"), REFERENCE_BUMP_DEVS + [
    pytest.param("1.2.0.dev0", "minor", "1.3.0.dev0", id="minor dev of a minor's dev"),
    pytest.param("1.0.6.post1", "patch", "1.0.7.dev0", id="dev after a post-release"),
    pytest.param("1.0.6", "minor", "1.1.0.dev0", id="minor dev"),
    pytest.param("1.0.6rc1", "patch", "1.0.7.dev0", id="dev after an rc"),
    pytest.param("1.2", "minor", "1.3.dev0", id="X.Y minor dev"),
    pytest.param("1.2", "patch", "1.2.1.dev0", id="X.Y patch dev"),
    pytest.param("3!1.0.6", "patch", "3!1.0.7.dev0", id="epoch kept"),
])
def test_bump_dev(version, part, expected):
    result = versioning.bump_dev(version, part)
    assert str(result) == expected
    assert result > Version(version)


def test_bump_accepts_a_version_object_and_a_string_alike():
    assert versioning.bump(Version("1.0.6"), "minor") == versioning.bump("1.0.6", "minor") == Version("1.1.0")


def test_post_chain_counts_up():
    first = versioning.bump("1.0.6", "post")
    second = versioning.bump(first, "post")
    assert (str(first), str(second)) == ("1.0.6.post1", "1.0.6.post2")
    assert str(versioning.bump(second, "patch")) == "1.0.7"


@pytest.mark.parametrize(("version", "part", "pre", "message"), [
    pytest.param("1.0.6.dev0", "post", None, "not released yet", id="post of a dev"),
    pytest.param("1.0.6rc1", "post", None, "not released yet", id="post of an rc"),
    pytest.param("1.0.6a1.dev0", "post", None, "not released yet", id="post of an alpha's dev"),
    pytest.param("1.0.6.post1.dev0", "post", None, "development version", id="post of a post's dev"),
    pytest.param("1.0.6rc1.post1", "post", None, "not released yet", id="post of an rc's post"),
    pytest.param("1.0.6", "post", "rc", "cannot also be a pre-release", id="post with pre"),
    pytest.param("1.0.7rc1", "patch", "b", "would go backwards", id="beta after an rc"),
    pytest.param("1.0.7b2", "patch", "a", "would go backwards", id="alpha after a beta"),
    pytest.param("1.0.6", "patch", "c", "unknown pre-release kind 'c'", id="unknown pre kind"),
    pytest.param("1.0.6", "micro", None, "unknown part 'micro'", id="unknown part"),
    pytest.param("1.0.6", "", None, "unknown part ''", id="empty part"),
])
def test_bump_errors(version, part, pre, message):
    with pytest.raises(VersionError, match=message) as info:
        versioning.bump(version, part, pre)
    assert info.value.hint  # every refusal says what to do instead


@pytest.mark.parametrize("part", ["post", "micro"])
def test_bump_dev_refuses_parts_other_than_major_minor_patch(part):
    with pytest.raises(VersionError, match=f"unknown part '{part}'"):
        versioning.bump_dev("1.0.6", part)


# --- parsing: what the rite refuses, and the fix it suggests -----------------------------------


@pytest.mark.parametrize(("text", "message", "suggestion"), [
    pytest.param("1.0.6+abc", "local part", "'1.0.6'", id="local version"),
    pytest.param("1.0.6.dev0+ubuntu.1", "local part", "'1.0.6.dev0'", id="local version of a dev"),
    pytest.param("1.0.6.DEV0", "not in normalized form", "'1.0.6.dev0'", id="upper case"),
    pytest.param("1.0.6-rc1", "not in normalized form", "'1.0.6rc1'", id="dash before rc"),
    pytest.param("v1.0.6", "not in normalized form", "'1.0.6'", id="leading v"),
    pytest.param("1.0.6.DEV", "not in normalized form", "'1.0.6.dev0'", id="implicit dev number, upper case"),
    pytest.param("1.0.6-1", "not in normalized form", "'1.0.6.post1'", id="implicit post"),
    pytest.param("01.0.6", "not in normalized form", "'1.0.6'", id="leading zero"),
    pytest.param("1.0.6.0", "4 release segment", "1.2.3", id="four segments"),
    pytest.param("1", "1 release segment", "1.2.3", id="one segment"),
    pytest.param("one.two", "not a PEP 440 version", "X.Y.Z", id="not a version"),
    pytest.param("", "not a PEP 440 version", "X.Y.Z", id="empty"),
])
def test_parse_refuses_with_the_fix(text, message, suggestion):
    with pytest.raises(VersionError, match=message) as info:
        versioning.parse(text)
    assert suggestion in info.value.hint
    with pytest.raises(VersionError):  # bump parses its string the same way
        versioning.bump(text)


@pytest.mark.parametrize("text", ["1.0", "1.0.6", "1.0.6.dev0", "1.0.6rc1", "1.0.6.post2", "1!1.0.6",
                                  "1.0.6a1.dev3", "1.0.6.post1.dev0", " 1.0.6\n"])
def test_parse_accepts_normalized_versions(text):
    assert versioning.parse(text) == Version(text.strip())


# --- the branch checks used by version.check and the release preflight ------------------------


@pytest.mark.parametrize(("version", "ok"), [
    pytest.param("1.0.7.dev0", True, id="X.Y.Z.dev0"),
    pytest.param("1.1.dev0", True, id="X.Y.dev0"),
    pytest.param("1.0.7", False, id="a release"),
    pytest.param("1.0.7.dev1", False, id="dev1"),
    pytest.param("1.0.7rc1.dev0", False, id="dev of an rc"),
    pytest.param("1.0.6.post1.dev0", False, id="dev of a post"),
])
def test_check_main_version(version, ok):
    problem = versioning.check_main_version(version)
    assert (problem is None) is ok
    if not ok:
        assert version in problem and ".dev0" in problem


@pytest.mark.parametrize(("version", "ok"), [
    pytest.param("1.0.7", True, id="release"),
    pytest.param("1.0.7.post1", True, id="post-release"),
    pytest.param("1.0.7rc1", True, id="rc"),
    pytest.param("1.0.7.dev0", False, id="dev"),
])
def test_check_release_version(version, ok):
    assert (versioning.check_release_version(version) is None) is ok


@pytest.mark.parametrize(("version", "release"), [
    ("1.0.6", "1.0.6"), ("1.0.6.dev0", "1.0.6"), ("1.0.6rc1", "1.0.6"), ("1.0.6.post1", "1.0.6"), ("2!1.0", "2!1.0"),
])
def test_release_of(version, release):
    assert str(versioning.release_of(Version(version))) == release


# --- properties: any valid version, any part ------------------------------------------------------


@st.composite
def versions(draw, unreleased: bool = True) -> Version:
    """Valid X.Y or X.Y.Z versions with any mix of epoch, pre, post and dev segments
    (only finals and post-releases when not ``unreleased``)."""
    release = tuple(draw(st.lists(st.integers(0, 12), min_size=2, max_size=3)))
    pre = draw(st.none() | st.tuples(st.sampled_from(versioning.PRE_KINDS), st.integers(0, 3))) if unreleased else None
    post = draw(st.none() | st.integers(0, 3))
    dev = draw(st.none() | st.integers(0, 3)) if unreleased else None
    epoch = draw(st.sampled_from([0, 0, 0, 1, 7]))
    return versioning.render(release, epoch=epoch, pre=pre, post=post, dev=dev)


@settings(deadline=None, max_examples=300)
@given(versions(), st.sampled_from(versioning.BUMP_PARTS), st.sampled_from([None, *versioning.PRE_KINDS]))
def test_bump_is_greater_or_refused(version, part, pre):
    try:
        result = versioning.bump(version, part, pre)
    except VersionError:
        return
    assert result > version
    assert result.epoch == version.epoch
    assert result.dev is None and result.local is None
    assert versioning.parse(str(result)) == result  # usable as the next input: normalized, 2-3 segments


@UNTIMED
@given(versions(), st.sampled_from(versioning.PARTS))
def test_release_bumps_are_never_refused(version, part):
    """major/minor/patch always have an answer; next_release (which bump does not re-check) is greater."""
    assert versioning.next_release(version, part) > version
    assert versioning.bump(version, part) == versioning.next_release(version, part)


@UNTIMED
@given(versions())
def test_post_is_refused_exactly_for_unreleased_versions(version):
    if version.is_prerelease:  # a dev or pre-release, post segment or not
        with pytest.raises(VersionError):
            versioning.bump(version, "post")
    else:
        result = versioning.bump(version, "post")
        assert result.release == version.release and result.post == (version.post or 0) + 1


@UNTIMED
@given(versions(), st.sampled_from(versioning.PARTS))
def test_bump_of_a_string_agrees_with_the_version(version, part):
    try:
        expected = versioning.bump(version, part)
    except VersionError:
        with pytest.raises(VersionError):
            versioning.bump(str(version), part)
        return
    assert versioning.bump(str(version), part) == expected


@UNTIMED
@given(versions(), st.sampled_from(versioning.PARTS))
def test_bump_dev_is_greater_and_dev0(version, part):
    result = versioning.bump_dev(version, part)
    assert result > version
    assert str(result).endswith(".dev0")
    assert result.pre is None and result.post is None and result.epoch == version.epoch
    assert versioning.parse(str(result)) == result


@UNTIMED
@given(versions(unreleased=False))
def test_release_bump_finalizes_what_bump_dev_opened(version):
    """release X -> bump-dev -> bump gives the release bump-dev was heading for, for every part."""
    for part in versioning.PARTS:
        opened = versioning.bump_dev(version, part)
        assert versioning.bump(opened, part) == versioning.release_of(opened)


def test_the_pallets_dev_spelling_is_read_as_dev0_and_kept_when_written():
    """flask and click keep `version = "3.2.0.dev"` on main: PEP 440's implicit dev number."""
    assert versioning.parse("3.2.0.dev") == versioning.parse("3.2.0.dev0")
    assert str(versioning.bump_dev("3.2.0", "patch")) == "3.2.1.dev0"
    assert versioning.spelled_like("3.2.1.dev0", "3.2.0.dev") == "3.2.1.dev"
    assert versioning.spelled_like("3.2.0", "3.2.0.dev") == "3.2.0"  # a release is a release
    assert versioning.spelled_like("3.2.1.dev0", "3.2.0.dev0") == "3.2.1.dev0"
    assert versioning.spelled_like("3.2.1.dev0", "3.2.0") == "3.2.1.dev0"  # no spelling to keep
