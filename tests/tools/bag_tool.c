/* bag_tool.c - the bag writer and the safe extraction from the command line,
 * for tests/cli/bag.bats (hostile tars, an independent validator's view of
 * our bags) and for measuring them.  Test-only; never installed.
 *
 *   bag-tool write OUT.tar|- TOP [--info LABEL=VALUE]... BAGPATH=FILE...
 *       stream FILEs into a bag in a tar; prints the tag manifest's SHA-256
 *   bag-tool extract TAR|- WORKDIR [--validate] [--max-total N] [--max-files N]
 *                    [--max-file N]
 *       extract (and validate); prints the top directory, then the verdict
 * Exit: 0 ok, 5 integrity (refused tar, invalid bag), 2 usage, 1 other. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/bagit.h"
#include "custody/encoding.h"
#include "custody/error.h"

#include "custody/banned.h"

#define BLOCK (1024 * 1024)

static int fd_sink(void *arg, const void *data, size_t n)
{
	int fd = *(int *)arg;
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cy_error_set_errno(CY_EIO, errno, "write");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static long fd_source(void *arg, void *buf, size_t n)
{
	int fd = *(int *)arg;

	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cy_error_set_errno(CY_EIO, errno, "read");
		return (long)r;
	}
}

static int code(int rc)
{
	fprintf(stderr, "bag-tool: %s\n", cy_error_message());
	return rc == CY_ECORRUPT ? 5 : 1;
}

static int do_write(int argc, char **argv)
{
	cy_bag_writer *b = NULL;
	uint8_t tm[32];
	char hex[65], *buf = malloc(BLOCK);
	int out, rc = 0;

	if (argc < 2 || !buf)
		return 2;
	out = strcmp(argv[0], "-") ? open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0600) : 1;
	if (out < 0) {
		perror(argv[0]);
		return 1;
	}
	if ((rc = cy_bag_writer_new(&b, argv[1], fd_sink, &out)))
		goto out;
	for (int i = 2; i < argc && !rc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!strcmp(argv[i], "--info") && i + 1 < argc && (eq = strchr(argv[i + 1], '='))) {
			*eq = '\0';
			rc = cy_bag_info_add(b, argv[i + 1], eq + 1);
			i++;
		} else if (eq) {
			struct stat st;
			int fd;
			ssize_t r;
			*eq = '\0';
			if ((fd = open(eq + 1, O_RDONLY)) < 0 || fstat(fd, &st)) {
				perror(eq + 1);
				rc = CY_EIO;
				break;
			}
			rc = cy_bag_file_begin(b, argv[i], (uint64_t)st.st_size,
					       (int64_t)st.st_mtime);
			while (!rc && (r = read(fd, buf, BLOCK)) > 0)
				rc = cy_bag_file_write(b, buf, (size_t)r);
			if (!rc)
				rc = cy_bag_file_end(b);
			close(fd);
		} else {
			fprintf(stderr, "bag-tool: '%s' is not BAGPATH=FILE\n", argv[i]);
			rc = CY_EINVALID;
		}
	}
	if (!rc && !(rc = cy_bag_finish(b, tm))) {
		cy_hex_encode(tm, 32, hex);
		fprintf(stderr, "%s\n", hex);
	}
out:
	cy_bag_writer_free(b);
	free(buf);
	if (out > 1)
		close(out);
	return rc ? code(rc) : 0;
}

static int do_extract(int argc, char **argv)
{
	cy_bag_limits lim = {0};
	cy_bag_report rep;
	bool validate = false;
	char *top = NULL;
	int in, rc;

	if (argc < 2)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--validate"))
			validate = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--max-total"))
			lim.max_total = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--max-files"))
			lim.max_files = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--max-file"))
			lim.max_file = strtoull(argv[++i], NULL, 10);
		else
			return 2;
	}
	in = strcmp(argv[0], "-") ? open(argv[0], O_RDONLY) : 0;
	if (in < 0) {
		perror(argv[0]);
		return 1;
	}
	if (!validate) {
		rc = cy_bag_extract(fd_source, &in, argv[1], &lim, &top);
		if (!rc)
			printf("%s\n", top);
		free(top);
		return rc ? code(rc) : 0;
	}
	rc = cy_bag_extract_validate(fd_source, &in, argv[1], &lim, &top, &rep);
	if (top)
		printf("%s\n", top);
	for (size_t i = 0; i < rep.nwarnings; i++)
		fprintf(stderr, "warning: %s\n", rep.warnings[i]);
	for (size_t i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "error: %s\n", rep.errors[i]);
	if (!rc)
		printf("valid: %llu files, %llu bytes\n", (unsigned long long)rep.files,
		       (unsigned long long)rep.bytes);
	cy_bag_report_free(&rep);
	free(top);
	return rc ? code(rc) : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "write"))
		return do_write(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "extract"))
		return do_extract(argc - 2, argv + 2);
	fprintf(stderr, "usage: bag-tool write OUT TOP [--info L=V]... BAGPATH=FILE...\n"
			"       bag-tool extract TAR WORKDIR [--validate] [--max-total N] "
			"[--max-files N] [--max-file N]\n");
	return 2;
}
