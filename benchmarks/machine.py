"""What machine and code a benchmark ran on: one description for every results section."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("dedup", "datasketch", "rapidfuzz", "numpy", "xxhash")


def load() -> str:
    """The 1/5/15-minute load averages, for judging whether timings were disturbed."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _git(*args) -> str:
    try:  # read-only queries
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def git_state() -> str:
    """Commit of the work tree, and whether ``dedup/`` had uncommitted changes."""
    head = _git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown (not a git work tree)"
    return head + (" with uncommitted changes in dedup/" if _git("status", "--porcelain", "--", "dedup") else "")


def describe() -> dict:
    """CPU model, cores, RAM, Python, package versions, platform, load and code state."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024**2
    except OSError:
        pass
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    git = git_state()
    return {
        "platform": platform.platform(), "load": load(), "git": git, "commit": git, "cpu": cpu,
        "cores": os.cpu_count(), "ram_gb": ram_gb, "ram": f"{ram_gb:.1f} GiB" if ram_gb else "?",
        "python": sys.version.split()[0], "versions": versions,
    }
