/*
 * monotime - seconds and milliseconds on CLOCK_MONOTONIC, the one clock
 * every time limit of dkimpipe is measured on. No state, no signals.
 */
#include <time.h>

#include "monotime.h"

/* monotime - whole seconds on the monotonic clock */
time_t
monotime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/* monotime_ms - milliseconds on the monotonic clock */
long long
monotime_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}
