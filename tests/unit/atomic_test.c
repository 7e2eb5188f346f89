/*
 * atomic_test - the Maildir size names of atomic.c: after a re-signed
 * copy is in place, a name carrying ",S=size" and ",W=vsize" (in the
 * base name, before ":2,") gets the new sizes, the rest of the name kept
 * byte for byte; atomic_sized() says which names are looked at at all.
 * One table entry per case; prints "not ok N: case: got X want Y"
 * for every mismatch, "ok N cases" at the end, and exits 1 on any.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"

#define HUGE_SIZE	((off_t)1 << 62)

/* default sizes of the new copy: its size, and with CRLF line ends */
#define S	100
#define W	104

static const struct tcase {
	const char	*name;
	off_t		 size, vsize;
	size_t		 osize;		/* the output buffer, 0: PATH_MAX */
	int		 sized;		/* atomic_sized() */
	const char	*path;
	const char	*want;		/* NULL: no new name (returns 0) */
} cases[] = {
	{ "S and W, the flags after :2, kept", S, W, 0, 1,
	  "1700000000.M1P2.h,S=41,W=45:2,RS", "1700000000.M1P2.h,S=100,W=104:2,RS" },
	{ "the directory kept", S, W, 0, 1,
	  "/var/mail/cur/1.h,S=41,W=45:2,S", "/var/mail/cur/1.h,S=100,W=104:2,S" },
	{ "no size field", S, W, 0, 0,
	  "cur/1700000000.M1P2.host:2,RS", NULL },
	{ "S only", S, W, 0, 1,
	  "1.h,S=5:2,", "1.h,S=100:2," },
	{ "W only", S, W, 0, 1,
	  "1.h,W=5:2,S", "1.h,W=104:2,S" },
	{ "size fields in the middle of the unique part", 9, 10, 0, 1,
	  "1.h,S=41,X=7,W=45,more:2,FS", "1.h,S=9,X=7,W=10,more:2,FS" },
	{ "a size field only in the info after :2, is no size", S, W, 0, 1,
	  "1.h:2,,S=41", NULL },
	{ "no :2, at all: the whole base name", S, W, 0, 1,
	  "new/1.h,S=41,W=45", "new/1.h,S=100,W=104" },
	{ "a size only in the directory's name", S, W, 0, 1,
	  "box,S=12/cur/1.h:2,S", NULL },
	{ ":2, in the directory, not the base name", S, W, 0, 1,
	  "a:2,b,S=1/1.h,S=41:2,S", "a:2,b,S=1/1.h,S=100:2,S" },
	{ "huge new sizes", HUGE_SIZE, HUGE_SIZE + 1, 0, 1,
	  "1.h,S=41,W=45:2,S", "1.h,S=4611686018427387904,W=4611686018427387905:2,S" },
	{ "a huge old size, more digits than any off_t", 7, 8, 0, 1,
	  "1.h,S=123456789012345678901234567890:2,", "1.h,S=7:2," },
	{ "size 0", 0, 0, 0, 1,
	  "1.h,S=41,W=45:2,", "1.h,S=0,W=0:2," },
	{ "the same sizes: the same name", 41, 45, 0, 1,
	  "1.h,S=41,W=45:2,S", "1.h,S=41,W=45:2,S" },
	{ "no digit after S=", S, W, 0, 1,
	  "1.h,S=:2,S", NULL },
	{ "lower case s= and w= are no sizes", S, W, 0, 0,
	  "1.h,s=41,w=45:2,S", NULL },
	{ "digits followed by letters", S, W, 0, 1,
	  "1.h,S=41abc:2,", "1.h,S=100abc:2," },
	{ "the field twice: both", S, W, 0, 1,
	  "1.h,S=1,S=2:2,", "1.h,S=100,S=100:2," },
	{ "an empty name", S, W, 0, 0,
	  "", NULL },
	{ "a new name one byte too long for the buffer", S, W, 7, 1,
	  "x,S=1", NULL },
	{ "a new name that just fits the buffer", S, W, 8, 1,
	  "x,S=1", "x,S=100" },
	{ "an old name longer than the buffer", 1, 1, 10, 1,
	  "1.h,S=1:2,RSTUVWXYZ", NULL },
};

int
main(void)
{
	char out[PATH_MAX];
	const struct tcase *t;
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	int bad = 0, got, sized;

	for (i = 0; i < n; i++) {
		t = &cases[i];
		if ((sized = atomic_sized(t->path)) != t->sized) {
			printf("not ok %zu: %s: got atomic_sized %d want %d\n",
			    i + 1, t->name, sized, t->sized);
			bad = 1;
		}
		got = atomic_sized_name(t->path, t->size, t->vsize, out,
		    t->osize ? t->osize : sizeof(out));
		if (t->want == NULL ? got != 0 : !got || strcmp(out, t->want) != 0) {
			printf("not ok %zu: %s: got %s want %s\n", i + 1, t->name,
			    got ? out : "(none)", t->want ? t->want : "(none)");
			bad = 1;
		}
	}
	printf("ok %zu cases\n", n);
	return bad;
}
