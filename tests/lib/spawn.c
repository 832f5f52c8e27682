#include "spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Not ready: gone now, so no orphan holds the test's output open. */
static bool give_up(struct fake_spawn *out, pid_t pid, int fd, const char *why)
{
	close(fd);
	kill(pid, SIGKILL);
	reap(pid, &out->status);
	out->why = why;
	return false;
}

bool fake_spawn(const char *const argv[], int timeout_ms, struct fake_spawn *out)
{
	memset(out, 0, sizeof(*out));
	int fds[2];
	if (pipe(fds) != 0) {
		out->why = "could not get a pipe";
		return false;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		out->why = "could not fork";
		return false;
	}
	if (pid == 0) {
		/* A test killed on timeout skips its teardown: the fake must not outlive it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	while (!strchr(out->said, '\n') && len < sizeof(out->said) - 1) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		int ready = poll(&p, 1, timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return give_up(out, pid, fds[0], "did not start in time");
		ssize_t r = read(fds[0], out->said + len, sizeof(out->said) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return give_up(out, pid, fds[0], "exited before listening");
		len += (size_t)r;
		out->said[len] = '\0';
	}
	if (sscanf(out->said, "listening on %d", &out->port) != 1)
		return give_up(out, pid, fds[0], "did not say where it listens");
	close(fds[0]);
	out->pid = pid;
	return true;
}

int fake_terminate(pid_t pid)
{
	int status = 0;
	kill(pid, SIGTERM);
	reap(pid, &status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
