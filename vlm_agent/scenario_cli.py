"""`vlm-agent test-scenarios`: load scenario files, run them in process or through the graph, report."""
from __future__ import annotations

import signal
import sys

from .core.errors import InputError
from .core.scenarios.report import table, summary, write_junit
from .core.scenarios.runner import InProcessDriver, run_files
from .core.scenarios.spec import load_scenarios
from .graph import default_params_file

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_FILE = 0, 1, 2


def run_scenarios(paths: list[str], junit: str | None, graph: bool, params_file: str | None) -> int:
    try:
        files = [load_scenarios(path) for path in paths]
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_FILE
    params = params_file or str(default_params_file())
    print(f"{sum(f.case_count for f in files)} cases in {len(files)} file(s), "
          f"{'through the node graph' if graph else 'in process'}; parameters {params}", flush=True)
    if graph:
        from .scenario_graph import GraphDriver
        signal.signal(signal.SIGTERM, _interrupt)  # launch_testing, CI runners: stop the graph on the way out
        driver = GraphDriver(params)
    else:
        from .core.scenarios.pipeline import stages_from_params
        try:
            driver = InProcessDriver(stages_from_params(params))
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_FILE
    progress = lambda r: print(f"{'PASS' if r.passed else 'FAIL'} {r.name}", flush=True)  # noqa: E731
    try:
        results, seconds = run_files(files, driver, progress)
    finally:
        getattr(driver, "shutdown", driver.close)()
    print()
    print(table(results))
    print()
    print(summary(results, seconds))
    if junit:
        print(f"JUnit XML: {write_junit(results, junit, seconds)}")
    return EXIT_PASSED if all(r.passed for r in results) else EXIT_FAILED


def _interrupt(signum, frame):
    raise KeyboardInterrupt
