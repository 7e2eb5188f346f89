/*
 * cmds - the subcommands of dkimpipe; each returns an exit status.
 */
#ifndef CMDS_H
#define CMDS_H

int	cmd_check(int, char **);
int	cmd_deliver(int, char **);
int	cmd_dnsrecord(int, char **);
int	cmd_keygen(int, char **);
int	cmd_keylist(int, char **);
int	cmd_lmtp(int, char **);
int	cmd_proxy(int, char **);
int	cmd_setup(int, char **);
int	cmd_sign(int, char **);
int	cmd_testkey(int, char **);
int	cmd_verify(int, char **);

#endif
