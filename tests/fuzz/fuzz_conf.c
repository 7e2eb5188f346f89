/*
 * fuzz_conf - dkimpipe.conf, KeyTable and SigningTable (plain and
 * refile:) parsing, on the same bytes written to a memory file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "conffile.h"
#include "table.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char path[64], spec[80];
	struct conf cf;
	struct diag dg;
	struct why why;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	if (write(fd, d, n) != (ssize_t)n) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	conf_defaults(&cf);
	diag_init(&dg, &why, 0);
	(void)conffile_read(&cf, path, &dg);
	conf_free(&cf);
	conf_defaults(&cf);
	diag_init(&dg, &why, 0);
	if (table_read_keys(&cf, path, &dg) == 0) {
		snprintf(spec, sizeof(spec), "refile:%s", path);
		if (table_read_signing(&cf, spec, &dg) == 0)
			(void)table_check_names(&cf, &dg);
	}
	conf_free(&cf);
	conf_defaults(&cf);
	diag_init(&dg, &why, 0);
	(void)table_read_signing(&cf, path, &dg);
	conf_free(&cf);
	close(fd);
	return 0;
}
