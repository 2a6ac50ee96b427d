"""Server processes: started in their own process group, always stopped.

Every process started through `spawn` is remembered; `stop_all` (run at exit, on
SIGINT/SIGTERM and on errors) terminates whatever is still running, so a failed or
interrupted benchmark never leaves servers behind."""
import atexit
import os
import signal
import subprocess
import time

from .util import log

_running = []


class Proc:
    """One child process with its log file."""

    def __init__(self, name, argv, log_path, env=None, cwd=None, stdout_path=None):
        self.name = name
        self.stdout_path = stdout_path
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.popen = None

    def start(self):
        log_file = open(self.log_path, "ab")
        out_file = open(self.stdout_path, "wb") if self.stdout_path else None
        try:
            self.popen = subprocess.Popen(
                self.argv, stdout=out_file or log_file, stderr=log_file if out_file else subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.env, cwd=self.cwd, start_new_session=True)
        finally:
            log_file.close()
            if out_file:
                out_file.close()
        _running.append(self)
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill9(self):
        """SIGKILL, then reap. Returns time.time_ns() taken right before the kill."""
        at = time.time_ns()
        if self.alive():
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self._forget()
        return at

    def stop(self, grace=10.0):
        """SIGTERM, wait up to `grace` seconds, then SIGKILL the process group."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            try:
                os.kill(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored SIGTERM for {grace:g} s; SIGKILL")
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait()
        self._forget()

    def wait(self, timeout=None):
        """Waits for exit (subprocess.TimeoutExpired after `timeout`); returns the exit code."""
        code = self.popen.wait(timeout=timeout)
        self._forget()
        return code

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read()[-8000:].decode(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        except OSError:
            return ""

    def _forget(self):
        if self in _running:
            _running.remove(self)


def spawn(name, argv, log_path, env=None, cwd=None, stdout_path=None):
    """Starts argv and remembers it for stop_all. stderr (and stdout, unless
    stdout_path is given) is appended to log_path."""
    return Proc(name, argv, log_path, env=env, cwd=cwd, stdout_path=stdout_path).start()


def stop_all():
    """Stops every process started by spawn that is still running."""
    for proc in list(reversed(_running)):
        if proc.alive():
            log(f"stopping {proc.name} (pid {proc.pid})")
        try:
            proc.stop(grace=5.0)
        except Exception as error:  # keep stopping the others
            log(f"could not stop {proc.name}: {error}")


def install_cleanup():
    """stop_all at interpreter exit; SIGINT raises KeyboardInterrupt and SIGTERM/SIGHUP
    SystemExit, so the finally blocks that stop servers run."""
    atexit.register(stop_all)

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    def _interrupt(_signum, _frame):
        raise KeyboardInterrupt

    # explicit, because a shell starts background jobs with SIGINT ignored
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)
