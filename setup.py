"""Packaging metadata. The version is read from releasekit/version.py as text so
that building never imports the package (and so never needs its dependencies)."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r"""^__version__\s*=\s*['"]([^'"]+)['"]""",
    (HERE / "releasekit" / "version.py").read_text(encoding="utf-8"),
    re.M,
).group(1)

setup(
    name="releasekit",
    version=VERSION,
    description="Release Python projects to PyPI and conda channels with invoke tasks that resume, never go backwards, and verify what was published.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["releasekit", "releasekit.*"]),
    install_requires=[
        "invoke>=2.2,<3",
        "fabric>=3.2,<4",
        "packaging>=23",
        "build>=1.0",
        "twine>=5",
        "rich>=13",
        "pyyaml>=6",
        "jinja2>=3",
        "setuptools",
        "requests>=2.28",  # forge releases (already installed with twine)
        "tomlkit>=0.12",  # `init --write` renders the [tool.releasekit] block
    ],
    extras_require={
        "conda": [
            "py-rattler>=0.28",
            "py-rattler-build>=0.73",
            "anaconda-client>=1.16",
            "whl2conda>=26",
            "wheel",
        ],
        "ci": [  # `ci.check` and `ci.config` validate workflows with these
            "check-jsonschema>=0.30",
            "zizmor>=1.20",
        ],
        "test": [
            "check-jsonschema>=0.30",
            "zizmor>=1.20",
            "py-rattler>=0.28",
            "py-rattler-build>=0.73",
            "anaconda-client>=1.16",
            "whl2conda>=26",
            "wheel",
            "PyGithub>=2.5",  # independent clients of the fake forge
            "python-gitlab>=5",
            "pytest>=8",
            "pytest-xdist>=3",
            "hypothesis>=6",
            "pypiserver[passlib]>=2.4",
            "devpi-server>=6.20",
            "uv>=0.5",
            "ruff>=0.6",
            "mypy>=1.10",
            "import-linter>=2.1",  # lint-imports: the layer contracts in pyproject.toml
            "towncrier>=24",  # the towncrier changelog format's adapter is tested with the real tool
        ],
    },
    entry_points={"console_scripts": ["releasekit = releasekit.__main__:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Software Development :: Build Tools",
    ],
)
