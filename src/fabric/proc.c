/*
 * proc.c — child processes, clocks and scratch directories for the fabric
 * drivers.
 *
 * Every process a driver starts (the warm local Spark driver, spark-submit)
 * runs in its own process group, so that stopping it also stops the JVM it
 * started and nothing is left behind.
 */
#define _GNU_SOURCE /* pipe2, execvpe, close_range */
#include "fabric/fabric_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double sb_fabric_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void sb_fabric_sleep(double ms, const volatile sig_atomic_t *cancel)
{
    double end = sb_fabric_now_ms() + ms;
    for (;;) {
        if (cancel && *cancel) return;
        double left = end - sb_fabric_now_ms();
        if (left <= 0) return;
        if (left > 50) left = 50; /* wake up to notice a cancel */
        struct timespec ts = {(time_t)(left / 1000), (long)((left - (double)(time_t)(left / 1000) * 1000) * 1e6)};
        nanosleep(&ts, NULL);
    }
}

pid_t sb_fabric_spawn(const char *const *argv, const char *const *env, const char *cwd,
                      int in_fd, int out_fd, int extra_fd)
{
    /* Build the environment before forking: no allocation in the child. */
    size_t n = 0, m = 0;
    while (environ[n]) n++;
    if (env)
        while (env[m]) m++;
    char **envp = sb_xcalloc(n + m + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool overridden = false;
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        for (size_t j = 0; j < m; j++)
            if (strncmp(env[j], environ[i], klen) == 0 && env[j][klen] == '=') overridden = true;
        if (!overridden) envp[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++) envp[k++] = (char *)env[j];
    envp[k] = NULL;

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        free(envp);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(errpipe[0]);
        close(errpipe[1]);
        free(envp);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        /* A server blocks its stop signals in every thread (to take them
         * with sigwait); the child must not inherit that mask, or SIGINT,
         * which cancels a run, would never reach Python. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int devnull = open("/dev/null", O_RDWR);
        int in = in_fd >= 0 ? in_fd : devnull, out = out_fd >= 0 ? out_fd : devnull;
        /* Move the extra descriptor out of the way before the dup2s. */
        int extra = extra_fd >= 0 ? fcntl(extra_fd, F_DUPFD, 10) : -1;
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        if (extra >= 0) dup2(extra, 3);
        /* Close everything else the parent had open (sockets, other pipes). */
        int first = extra >= 0 ? 4 : 3;
        if (errpipe[1] < first) {
            /* Cannot happen (0-2 are taken), but keep the report channel. */
            errpipe[1] = fcntl(errpipe[1], F_DUPFD_CLOEXEC, first);
        }
        if (errpipe[1] > first) close_range((unsigned)first, (unsigned)errpipe[1] - 1, 0);
        close_range((unsigned)errpipe[1] + 1, ~0U, 0);
        if (cwd && chdir(cwd) != 0) {
            int e = errno;
            (void)!write(errpipe[1], &e, sizeof(e));
            _exit(127);
        }
        execvpe(argv[0], (char *const *)argv, envp);
        int e = errno;
        (void)!write(errpipe[1], &e, sizeof(e));
        _exit(127);
    }
    free(envp);
    close(errpipe[1]);
    int child_errno = 0;
    ssize_t got;
    do got = read(errpipe[0], &child_errno, sizeof(child_errno));
    while (got < 0 && errno == EINTR);
    close(errpipe[0]);
    if (got == (ssize_t)sizeof(child_errno)) {
        waitpid(pid, NULL, 0);
        errno = child_errno;
        return -1;
    }
    setpgid(pid, pid); /* also from the parent: no race with an early kill */
    return pid;
}

const char *sb_fabric_wait_text(sb_arena *a, int status)
{
    if (WIFEXITED(status)) return sb_arena_printf(a, "exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return sb_arena_printf(a, "was killed by signal %d (%s)", WTERMSIG(status),
                               strsignal(WTERMSIG(status)));
    return "stopped";
}

void sb_fabric_kill_group(pid_t pid, double grace_ms)
{
    if (pid <= 0) return;
    kill(-pid, SIGTERM);
    double end = sb_fabric_now_ms() + grace_ms;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) break;
        if (sb_fabric_now_ms() >= end) {
            kill(-pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        sb_fabric_sleep(20, NULL);
    }
    /* The leader is gone; take the rest of its group (a JVM) with it. */
    kill(-pid, SIGKILL);
}

const char *sb_fabric_file_tail(sb_arena *a, const char *path, size_t max)
{
    char *text = NULL;
    size_t len = 0;
    if (!path || sb_read_file(path, &text, &len) != 0) return NULL;
    size_t i = len, lines = 0;
    while (i > 0 && (text[i - 1] == '\n' || text[i - 1] == '\r')) i--;
    size_t end = i;
    while (i > 0) {
        if (text[i - 1] == '\n' && ++lines >= max) break;
        i--;
    }
    const char *tail = end > i ? sb_arena_strndup(a, text + i, end - i) : NULL;
    free(text);
    return tail;
}

const char *sb_fabric_tempdir(sb_arena *a, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    char *path = sb_arena_printf(a, "%s/%s-XXXXXX", tmp, prefix);
    if (!mkdtemp(path)) return NULL;
    return path;
}

void sb_fabric_rmtree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir) {
        struct dirent *ent;
        while ((ent = readdir(dir))) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
            size_t n = strlen(path) + strlen(ent->d_name) + 2;
            char *child = sb_xmalloc(n);
            snprintf(child, n, "%s/%s", path, ent->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                sb_fabric_rmtree(child);
            else
                unlink(child);
            free(child);
        }
        closedir(dir);
    }
    rmdir(path);
}
