/*
 * masterchild - a process that Postfix's master(8) runs for a master.cf
 * service: connections accepted from the listener master passes.
 */
#ifndef MASTERCHILD_H
#define MASTERCHILD_H

/* called for each connection; nonzero: take no more */
typedef int (*masterchild_conn)(void *, int);

int	masterchild_is(void);
int	masterchild_run(masterchild_conn, void *, int, int (*)(void *));

#endif
