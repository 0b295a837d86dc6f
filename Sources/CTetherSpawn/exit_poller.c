#define _GNU_SOURCE
#include "tether_spawn.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>

int tether_exit_poller_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int tether_exit_poller_add(int poller, int pidfd) {
    struct epoll_event event = {.events = EPOLLIN, .data.fd = pidfd};
    return epoll_ctl(poller, EPOLL_CTL_ADD, pidfd, &event) == 0 ? 0 : errno;
}

int tether_exit_poller_wait(int poller, int *pidfds, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(poller, events, capacity, -1);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) pidfds[i] = events[i].data.fd;
    return count;
}

void tether_exit_poller_name_thread(void) {
    pthread_setname_np(pthread_self(), "tether-reaper");
}
