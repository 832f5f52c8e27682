/*
 * The background lint's memory at fleet scale (issue 13): opens the service
 * on a data dir as the TUI does (offline), asks for a lint, waits for its
 * answer on the service's descriptor and reports the process's peak RSS
 * before the request and after the answer, and the lint's wall time:
 *
 *   lint_job_rss DATA_DIR
 *
 * One "key=value" line. The lint thread's own peak is the difference.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/resource.h>

#include "lib/clock.h"
#include "trunkctl/lint.h"
#include "trunkctl/service.h"

static long peak_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: lint_job_rss DATA_DIR\n", stderr);
		return 2;
	}
	struct tc_service_options so = {.data_dir = argv[1], .offline = true};
	struct tc_service *svc = NULL;
	struct tc_error err;
	tc_error_init(&err);
	if (tc_service_open(&so, &svc, &err) != TC_OK) {
		fprintf(stderr, "lint_job_rss: %s\n", err.message);
		return 1;
	}
	long before = peak_kb();
	double t0 = tl_now_ms();
	struct tc_lint_marks *marks = NULL;
	int rc = tc_service_lint_request(svc, &err) == TC_OK ? 0 : 1;
	while (rc == 0 && !marks) {
		struct pollfd p = {.fd = tc_service_lint_fd(svc), .events = POLLIN};
		if (poll(&p, 1, -1) < 0)
			rc = 1;
		else if (tc_service_lint_take(svc, &marks, &err) && !marks)
			rc = 1;
	}
	double ms = tl_now_ms() - t0;
	if (rc == 0)
		printf("rss_open_kb=%ld rss_peak_kb=%ld lint_ms=%.0f errors=%zu warnings=%zu\n",
		       before, peak_kb(), ms, tc_lint_marks_count(marks, TC_LINT_ERROR),
		       tc_lint_marks_count(marks, TC_LINT_WARNING));
	else
		fprintf(stderr, "lint_job_rss: %s\n", err.message[0] ? err.message : "failed");
	tc_lint_marks_destroy(marks);
	tc_service_close(svc);
	tc_error_clear(&err);
	return rc;
}
