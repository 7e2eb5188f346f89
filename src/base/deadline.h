/*
 * deadline - the one owner of SIGALRM and SIGTERM: a time limit and
 * termination, either as flags that end blocking I/O (long-lived modes)
 * or as the end of a one-shot run that never exits 75 once the next hop
 * has the message.
 */
#ifndef DEADLINE_H
#define DEADLINE_H

#include <sys/types.h>

#include <signal.h>

/* long-lived modes: flags, checked by io.c and the callers */
void	deadline_set(unsigned);
void	deadline_on_term(void);
int	deadline_expired(void);
int	deadline_terminated(void);

/* one-shot runs: the handler ends the process */
void	deadline_run(unsigned);
void	deadline_watch(pid_t);
void	deadline_accepted(void);

/* administrative runs: not stopped half-way by a terminal */
void	deadline_shield(void);

/* both: hold the two signals off, and let them in again */
void	deadline_hold(sigset_t *);
void	deadline_hold_term(sigset_t *);
void	deadline_release(const sigset_t *);

#endif
