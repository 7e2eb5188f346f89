/*
 * why - the reason a stage failed: a sysexits status and one line of text.
 *
 * Modules fill a struct why and return -1; only main and the mode
 * drivers turn it into an exit status and a log record.
 */
#ifndef WHY_H
#define WHY_H

struct why {
	int	status;		/* sysexits.h code */
	char	text[512];	/* one line, no newline */
};

int	why_set(struct why *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
