#ifndef TETHER_SPAWN_H
#define TETHER_SPAWN_H

#include <sys/types.h>

/// What to start. All memory is owned by the caller and only read before
/// fork (the child touches nothing but what is already prepared here).
typedef struct {
    const char *path;            /* absolute path of the program */
    char *const *argv;           /* NULL-terminated */
    char *const *envp;           /* NULL-terminated */
    const char *cwd;             /* NULL: stay where we are */
    int use_pty;                 /* 1: new session on a fresh pseudo-terminal */
    unsigned short rows, cols;   /* initial window size when use_pty */
    int switch_user;             /* 1: drop to uid/gid/groups before exec */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;         /* supplementary groups, when switch_user */
    int group_count;
} tether_spawn_request;

/// What started. With a PTY, `terminal_fd` is the master side and the pipe
/// fields are -1; without, `terminal_fd` is -1 and the three pipes are set.
typedef struct {
    pid_t pid;
    int pidfd;                   /* close-on-exec; signals and the wait go through it */
    int terminal_fd;
    int stdin_fd;                /* write end, to the child's stdin */
    int stdout_fd;               /* read end */
    int stderr_fd;               /* read end */
} tether_spawn_result;

/// Forks and execs. Returns 0 on success, or an errno value: either from
/// preparing the spawn or, reported back through a close-on-exec pipe, from
/// the child's failed setup/exec (so "no such program" is an error here, not
/// an exit status later). Between fork and exec the child runs only
/// async-signal-safe calls.
int tether_spawn(const tether_spawn_request *request, tether_spawn_result *result);

/// Sends `signal` through a pidfd (pidfd_send_signal), which cannot reach
/// a later process that was given the same pid. Returns 0 or errno (ESRCH
/// once the process has exited).
int tether_pidfd_send_signal(int pidfd, int signal);

/// Waits for the process behind `pidfd` to exit (waitid P_PIDFD). With
/// `reap` 0 it stays a zombie (WNOWAIT), so its pid is not reused yet; with
/// `nonblocking` 1 it returns EAGAIN while the process runs. Stores a
/// waitpid-style status in `wait_status`. Returns 0 or errno.
int tether_pidfd_wait(int pidfd, int reap, int nonblocking, int *wait_status);

/// An epoll set of pidfds, each readable once its process has exited
/// (level-triggered: one that exited before it was added still reports).
/// Returns the epoll descriptor, or -1 with errno set.
int tether_exit_poller_create(void);

/// Adds a pidfd to the set. Returns 0 or errno. Closing the pidfd removes it.
int tether_exit_poller_add(int poller, int pidfd);

/// Blocks until pidfds in the set are readable; stores up to `capacity` of
/// them in `pidfds`. Returns how many, 0 if interrupted, or -1 with errno.
int tether_exit_poller_wait(int poller, int *pidfds, int capacity);

/// Names the calling thread "tether-reaper" (for ps and /proc).
void tether_exit_poller_name_thread(void);

/// Sets a PTY's window size (TIOCSWINSZ). Returns 0 or errno.
int tether_set_window_size(int terminal_fd, unsigned short rows, unsigned short cols);

#endif
