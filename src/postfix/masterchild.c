/*
 * masterchild - the child side of Postfix's master(8) protocol, for a
 * dkimpipe service that master.cf names as its command (through a link
 * in Postfix's daemon_directory), so that one process serves many
 * connections instead of spawn(8) starting one per connection: master
 * passes the listening socket on descriptor 6 and a status channel on 5,
 * and the process reports each connection it takes and each time it is
 * free again, as Postfix's own single-threaded servers do; master then
 * starts another process (up to the service's process limit) whenever
 * none is free. The process leaves when the caller says it is spent
 * (idle, message count, lifetime, SIGTERM), when master goes away (the
 * status pipe closes) or after idle seconds without a connection. It
 * knows nothing about what a connection carries.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"
#include "masterchild.h"

#define MC_STATUS_FD	5	/* master_proto.h: MASTER_STATUS_FD */
#define MC_LISTEN_FD	6	/* master_proto.h: MASTER_LISTEN_FD */
#define MC_TAKEN	0	/* MASTER_STAT_TAKEN */
#define MC_AVAIL	1	/* MASTER_STAT_AVAIL */

/* the status record master reads (master_proto.h: MASTER_STATUS) */
struct mc_status {
	int		 pid;
	unsigned	 gen;
	int		 avail;
};

/*
 * masterchild_is - started by master(8): its GENERATION in the
 * environment, the status channel (a socketpair, or a pipe) and a
 * socket to listen on
 */
int
masterchild_is(void)
{
	struct stat st, ls;

	return getenv("GENERATION") != NULL &&
	    fstat(MC_STATUS_FD, &st) == 0 &&
	    (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) &&
	    fstat(MC_LISTEN_FD, &ls) == 0 && S_ISSOCK(ls.st_mode);
}

/* notify - tell master whether this process is free; -1 when it is gone */
static int
notify(unsigned gen, int avail)
{
	struct mc_status st;

	memset(&st, 0, sizeof(st));
	st.pid = (int)getpid();
	st.gen = gen;
	st.avail = avail;
	return write(MC_STATUS_FD, &st, sizeof(st)) == (ssize_t)sizeof(st) ? 0 : -1;
}

/*
 * listening - is fd a listening socket? (Not just any socket: the one
 * to postlogd that log_to = postlog opened may have the next number.)
 */
static int
listening(int fd)
{
	struct stat st;
	socklen_t len = sizeof(int);
	int on = 0;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/*
 * masterchild_run - accept connections and hand each to conn(arg, fd),
 * which closes nothing; spent(arg) is asked before each wait. Returns 0
 * when the process should exit normally, which includes master going
 * away (postfix reload and stop: master would log, and after a reload
 * throttle, a child that exits with an error), -1 on a real error.
 */
int
masterchild_run(masterchild_conn conn, void *arg, int idle, int (*spent)(void *))
{
	const char *g = getenv("GENERATION");
	struct pollfd p[2];
	unsigned gen;
	int fd, n;

	if (g == NULL)
		return -1;
	gen = (unsigned)strtoul(g, NULL, 8);
	if (listening(MC_LISTEN_FD + 1)) {
		log_error("master(8) passes more than one listening socket: give "
		    "the service one address in master.cf (127.0.0.1:10027)");
		return -1;
	}
	(void)fcntl(MC_LISTEN_FD, F_SETFL,
	    fcntl(MC_LISTEN_FD, F_GETFL) | O_NONBLOCK);	/* others accept too */
	(void)fcntl(MC_STATUS_FD, F_SETFD, FD_CLOEXEC);
	(void)fcntl(MC_LISTEN_FD, F_SETFD, FD_CLOEXEC);
	for (;;) {
		if (spent(arg))
			return 0;
		p[0].fd = MC_LISTEN_FD;
		p[0].events = POLLIN;
		p[1].fd = MC_STATUS_FD;		/* end of file: master is gone */
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		n = poll(p, 2, idle * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			return 0;		/* master is gone, or reloaded */
		if (n == 0 || spent(arg))
			return 0;		/* idle, or spent while it waited: the
						   connection is for another process */
		if ((fd = accept4(MC_LISTEN_FD, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				sleep(1);	/* short of resources: try again */
			continue;		/* another process took it, or the
						   client went: Linux's pending errors */
		}
		if (notify(gen, MC_TAKEN) < 0) {
			close(fd);
			return 0;		/* master is gone */
		}
		n = conn(arg, fd);
		close(fd);
		if (n != 0 || notify(gen, MC_AVAIL) < 0)
			return 0;
	}
}
