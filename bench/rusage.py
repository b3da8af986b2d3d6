"""`python -m bench.rusage OUT COMMAND...`: run COMMAND, then write its exit code, peak RSS and
CPU time to the file OUT as JSON.

Linux counts in a process's peak RSS the memory of the process that started it (the peak is
kept across fork and exec), so the bench, itself large, has this small process start the one
it weighs.
"""

import json
import os
import subprocess
import sys


def main(out: str, command: list[str]) -> int:
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    with open(out, "w") as file:
        result = {
            "returncode": process.returncode,
            "peak_rss": usage.ru_maxrss * 1024,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }
        json.dump(result, file)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
