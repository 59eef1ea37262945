"""The conda recipe's requirements, solved before the tag: rendered for every target platform and
solved against the configured channels with py-rattler, so that a requirement no channel holds is
found in the preview (on main, while a fix can still land) and not at the build after the tag."""

from __future__ import annotations

from releasekit.adapters import conda, rattler_solve
from releasekit.core import ui
from releasekit.core.errors import RecipeError
from releasekit.core.project import Project


def target_platforms(project: Project) -> list[str]:
    from rattler import Subdir

    return list(project.settings["conda.platforms"]) or [str(Subdir.current())]


def solve_jobs(recipe: dict, platforms: list[str], here: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(environment, platform, specs) to solve: a noarch recipe is built here, so its build and host
    environments are solved for this machine and its run environment for every target platform;
    any other recipe is built on each platform, so all three are solved there."""
    jobs: list[tuple[str, str, tuple[str, ...]]] = []
    for platform in dict.fromkeys([*platforms, here]):
        for variant in conda.render_requirements(recipe, platform):
            envs: tuple[tuple[str, tuple[str, ...]], ...]
            if variant.noarch:
                envs = (("build", variant.build), ("host", variant.host)) if platform == here else ()
                if platform in platforms:
                    envs += (("run", variant.run),)
            elif platform in platforms:
                envs = (("build", variant.build), ("host", variant.host), ("run", variant.run))
            else:
                envs = ()
            jobs += [(env, platform, specs) for env, specs in envs if specs]
    return list(dict.fromkeys(jobs))


def solve_recipe(project: Project, recipe: dict) -> list[rattler_solve.Solved]:
    """Solve every environment of the recipe; raise RecipeError naming the first requirement that
    cannot be solved, with the channels searched (the solver's own message goes to the output)."""
    from rattler import Subdir

    channels = list(project.settings["conda.channels"])
    if not channels:
        raise RecipeError("`conda.channels` is empty, so no channel can provide the recipe's requirements "
                          "(python, pip, ...)", "set `conda.channels` (default: [conda-forge])")
    platforms = target_platforms(project)
    cache_dir = project.state_dir / "conda-solve"
    results: list[rattler_solve.Solved] = []
    for env, platform, specs in solve_jobs(recipe, platforms, str(Subdir.current())):
        solved = rattler_solve.solve(specs, channels, platform, cache_dir=cache_dir)
        results.append(solved)
        if solved.ok:
            continue
        searched = ", ".join(str(c) for c in channels)
        for line in solved.message.splitlines():
            ui.info(f"  solver: {line}")
        if solved.missing:
            names = ", ".join(solved.missing)
            what = f"no channel holds {names} for {platform} or noarch"
        else:
            first = solved.message.splitlines()[0] if solved.message else "the solver found no solution"
            what = f"{first.rstrip('.:')}"
        raise RecipeError(f"the conda recipe's {env} requirements cannot be solved for {platform}: {what} "
                          f"(channels searched: {searched})",
                          ("build what is missing with `releasekit dist.conda-deps`, then "
                           "`releasekit upload.conda-deps`; or add " if solved.missing else "add ")
                          + "the channel that has it to `conda.channels`, fix the recipe, or narrow "
                          "`conda.platforms`; nothing was tagged")
    cached = sum(r.cached for r in results)
    ui.info(f"conda: the recipe's requirements solve for {', '.join(platforms)} against "
            f"{', '.join(str(c) for c in channels)} ({len(results)} environment(s), {cached} from the cache)")
    return results
