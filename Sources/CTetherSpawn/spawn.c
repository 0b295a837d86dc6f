#define _GNU_SOURCE
#include "tether_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Child side: report errno to the parent and leave without running atexit
   handlers (they belong to the parent's runtime). */
static void fail_child(int report_fd, int error) {
    ssize_t ignored = write(report_fd, &error, sizeof error);
    (void)ignored;
    _exit(127);
}

/* Child side: every inherited descriptor above stderr closes on exec, so the
   program sees only 0, 1, 2 (the report pipe is already close-on-exec). */
static void close_inherited_on_exec(long max_fd) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    for (long fd = 3; fd < max_fd; fd++) {
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0) fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

/* Child side: the parent (an event-loop server) may have blocked or ignored
   signals; the program starts with defaults. */
static void reset_signals(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Child side: dup2 onto itself keeps close-on-exec set, so clear it instead. */
static int move_to(int fd, int target) {
    if (fd == target) return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target);
}

static void close_if_open(int *fd) {
    if (*fd >= 0) { close(*fd); *fd = -1; }
}

int tether_spawn(const tether_spawn_request *request, tether_spawn_result *result) {
    int master = -1, slave = -1;
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int report[2] = {-1, -1};
    int error = 0;
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0) max_fd = 1024;

    if (request->use_pty) {
        struct winsize size = {request->rows, request->cols, 0, 0};
        if (openpty(&master, &slave, NULL, NULL, &size) != 0) return errno;
        fcntl(master, F_SETFD, FD_CLOEXEC);
        fcntl(slave, F_SETFD, FD_CLOEXEC);
    } else if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
               pipe2(err_pipe, O_CLOEXEC) != 0) {
        error = errno;
        goto cleanup;
    }
    if (pipe2(report, O_CLOEXEC) != 0) { error = errno; goto cleanup; }

    pid_t pid = fork();
    if (pid < 0) { error = errno; goto cleanup; }
    if (pid == 0) {
        /* Child: async-signal-safe calls only, until execve. */
        reset_signals();
        if (setsid() < 0) fail_child(report[1], errno);
        if (request->use_pty) {
            if (ioctl(slave, TIOCSCTTY, 0) != 0) fail_child(report[1], errno);
            if (move_to(slave, 0) < 0 || move_to(slave, 1) < 0 || move_to(slave, 2) < 0) fail_child(report[1], errno);
        } else {
            if (move_to(in_pipe[0], 0) < 0 || move_to(out_pipe[1], 1) < 0 || move_to(err_pipe[1], 2) < 0)
                fail_child(report[1], errno);
        }
        close_inherited_on_exec(max_fd);
        if (request->switch_user) {
            if (setgroups((size_t)request->group_count, request->groups) != 0) fail_child(report[1], errno);
            if (setgid(request->gid) != 0) fail_child(report[1], errno);
            if (setuid(request->uid) != 0) fail_child(report[1], errno);
        }
        if (request->cwd != NULL && chdir(request->cwd) != 0) fail_child(report[1], errno);
        execve(request->path, request->argv, request->envp);
        fail_child(report[1], errno);
    }

    /* Parent: the child's ends close here; an exec failure arrives on the
       report pipe, success closes it empty. */
    close_if_open(&report[1]);
    int child_error = 0;
    ssize_t n;
    do { n = read(report[0], &child_error, sizeof child_error); } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof child_error) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        error = child_error;
        goto cleanup;
    }

    /* The child cannot be reaped by anyone else, so its pid still names it
       here, even if it has already exited. */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        int status;
        error = errno;
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        goto cleanup;
    }

    result->pid = pid;
    result->pidfd = pidfd;
    if (request->use_pty) {
        close_if_open(&slave);
        result->terminal_fd = master;
        master = -1;
        result->stdin_fd = result->stdout_fd = result->stderr_fd = -1;
    } else {
        close_if_open(&in_pipe[0]);
        close_if_open(&out_pipe[1]);
        close_if_open(&err_pipe[1]);
        result->terminal_fd = -1;
        result->stdin_fd = in_pipe[1];
        result->stdout_fd = out_pipe[0];
        result->stderr_fd = err_pipe[0];
        in_pipe[1] = out_pipe[0] = err_pipe[0] = -1;
    }

cleanup:
    close_if_open(&master);
    close_if_open(&slave);
    for (int i = 0; i < 2; i++) {
        close_if_open(&in_pipe[i]);
        close_if_open(&out_pipe[i]);
        close_if_open(&err_pipe[i]);
        close_if_open(&report[i]);
    }
    return error;
}

int tether_pidfd_send_signal(int pidfd, int signal) {
    return syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0) == 0 ? 0 : errno;
}

int tether_pidfd_wait(int pidfd, int reap, int nonblocking, int *wait_status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int options = WEXITED | (reap ? 0 : WNOWAIT) | (nonblocking ? WNOHANG : 0);
    int result;
    do { result = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, options); } while (result < 0 && errno == EINTR);
    if (result < 0) return errno;
    if (info.si_pid == 0) return EAGAIN;  /* WNOHANG: still running */
    switch (info.si_code) {
    case CLD_EXITED: *wait_status = (info.si_status & 0xff) << 8; break;
    case CLD_DUMPED: *wait_status = (info.si_status & 0x7f) | 0x80; break;
    default: *wait_status = info.si_status & 0x7f; break;
    }
    return 0;
}

int tether_set_window_size(int terminal_fd, unsigned short rows, unsigned short cols) {
    struct winsize size = {rows, cols, 0, 0};
    return ioctl(terminal_fd, TIOCSWINSZ, &size) == 0 ? 0 : errno;
}
