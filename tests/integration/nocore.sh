# shellcheck shell=bash
# crash_probe SIGNAL DIR READY CMD...: run CMD in DIR with the core size
# limit raised as far as it goes, stdin a pipe that is never written (so
# a reader blocks) and stderr in DIR/stderr.  Wait (at most 5 s) until
# its own core limit is 0 and, unless READY is "-", DIR/stderr holds
# READY; then send SIGNAL and reap it.  Prints, one per line:
#   limit SOFT HARD        its "Max core file size" just before the signal
#   owner UID              owner of /proc/PID/status: 0 for a process
#                          that is not dumpable (or is root)
#   ids UID-LINE | GID-LINE | GROUPS-LINE   from /proc/PID/status
#   signaled N             the signal that ended it (0: it exited)
#   coredump yes|no        the kernel's WCOREDUMP flag (a core was written,
#                          to a file or to a core_pattern pipe)
#   corefile yes|no        a core* file appeared in DIR
# Needs python3 (callers check).
crash_probe() {
	python3 - "$@" <<'PY'
import os, resource, signal, sys, time

sig = getattr(signal, "SIG" + sys.argv[1])
cwd, ready, cmd = sys.argv[2], sys.argv[3], sys.argv[4:]
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.chdir(cwd)
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    os.dup2(r, 0)
    os.close(r)
    os.close(w)
    fd = os.open("stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.execvp(cmd[0], cmd)
os.close(r)


def limit():
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max core file size"):
                    return line.split()[4:6]
    except OSError:
        pass
    return None


def is_ready():
    if limit() != ["0", "0"]:
        return False
    if ready == "-":
        return True
    try:
        with open(os.path.join(cwd, "stderr")) as f:
            return ready in f.read()
    except OSError:
        return False


deadline = time.time() + 5
while time.time() < deadline and not is_ready():
    if os.waitpid(pid, os.WNOHANG)[0] == pid:
        print("exited early")
        sys.exit(1)
    time.sleep(0.05)
lim = limit() or ["?", "?"]
print("limit %s %s" % (lim[0], lim[1]))
st = os.stat("/proc/%d/status" % pid)
print("owner %d" % st.st_uid)
ids = {}
with open("/proc/%d/status" % pid) as f:
    for line in f:
        k, _, v = line.partition(":")
        ids[k] = " ".join(v.split())
print("ids %s | %s | %s" % (ids.get("Uid"), ids.get("Gid"), ids.get("Groups")))
os.kill(pid, sig)
_, status = os.waitpid(pid, 0)
os.close(w)
print("signaled %d" % (os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0))
print("coredump %s" % ("yes" if os.WCOREDUMP(status) else "no"))
cores = [n for n in os.listdir(cwd) if n.startswith("core")]
print("corefile %s" % ("yes" if cores else "no"))
PY
}
