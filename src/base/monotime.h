/*
 * monotime - the monotonic clock, for time limits: a limit measured on
 * it is neither shortened nor stretched when the wall clock is stepped
 * (NTP, an admin's date, libfaketime's wall-clock offsets). It says
 * nothing about the time of day; time(3) does that.
 */
#ifndef MONOTIME_H
#define MONOTIME_H

#include <time.h>

time_t	monotime(void);
long long monotime_ms(void);

#endif
