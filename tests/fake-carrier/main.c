/* trunkctl-fake-api: command line, signals, and the lifetime of the server. */
#include "fake.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: trunkctl-fake-api [options]\n"
    "A fake Somleng Carrier API (SIP trunks) for tests and the sandbox.\n"
    "\n"
    "  --port N             listen on port N (0: any free port; default 0)\n"
    "  --bind ADDR          numeric address to listen on (default 127.0.0.1)\n"
    "  --token T            a carrier_api token of the main carrier (repeatable;\n"
    "                       default: fake-token)\n"
    "  --token-file FILE    tokens of the main carrier, one a line (keeps them out of\n"
    "                       argv; the file must not be readable by others)\n"
    "  --foreign-token T    a token of a second carrier\n"
    "  --unscoped-token T   a token without the carrier_api scope (403)\n"
    "  --revoked-token T    a revoked token (401, \"was revoked\")\n"
    "  --expired-token T    an expired token (401, \"expired\")\n"
    "  --any-host           accept any Host (default: only api.<domain>.<tld>)\n"
    "  --register-transport serve the newer register_transport attribute\n"
    "  --sample N           start with N sample trunks for the main carrier\n"
    "  --seed S             make ids, credentials and faults deterministic\n"
    "  --state FILE         load trunks from FILE, save after each change\n"
    "  --clock EPOCH        freeze the clock at EPOCH (move it with /_fake/clock)\n"
    "  --latency MS         delay every answer by MS milliseconds\n"
    "  --fault KIND=N       inject KIND into the next N requests\n"
    "  --fault-rate KIND=R  inject KIND into a share R (0..1) of requests\n"
    "                       KIND: hang rate_limit error close truncate malformed oversize\n"
    "                             next_loop repeat_ids big_page\n"
    "  --error-status LIST  statuses for 'error' faults (default 500,502,503)\n"
    "  --retry-after S      Retry-After of 'rate_limit' faults (default 1)\n"
    "  --help               show this help\n"
    "\n"
    "Prints \"listening on PORT\" once ready; SIGINT or SIGTERM stops it.\n"
    "Control endpoints (loopback only): see tests/fake-carrier/README.md.\n";

static int die_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "trunkctl-fake-api: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "",
	        "try --help\n");
	return 2;
}

static bool parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* KIND=VALUE into faults[KIND][field]. */
static bool fault_flag(json_t *faults, const char *arg, const char *field, bool rate)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return false;
	char kind[32];
	size_t n = (size_t)(eq - arg);
	if (n >= sizeof(kind))
		return false;
	memcpy(kind, arg, n);
	kind[n] = '\0';
	json_t *k = json_object_get(faults, kind);
	if (!k) {
		k = json_object();
		json_object_set_new(faults, kind, k);
	}
	if (rate) {
		char *end;
		double r = strtod(eq + 1, &end);
		if (end == eq + 1 || *end)
			return false;
		json_object_set_new(k, field, json_real(r));
	} else {
		long long v;
		if (!parse_ll(eq + 1, 0, INT64_MAX, &v))
			return false;
		json_object_set_new(k, field, json_integer(v));
	}
	return true;
}

static json_t *fault_kind(json_t *faults, const char *kind)
{
	json_t *k = json_object_get(faults, kind);
	if (!k) {
		k = json_object();
		json_object_set_new(faults, kind, k);
	}
	return k;
}

struct token_list {
	size_t count;
	char **items;
};

/* Like trunkctl's own token file: refused when others could read it. */
static bool read_token_file(const char *path, struct token_list *out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	struct stat st;
	bool ok = fstat(fileno(f), &st) == 0 && !(st.st_mode & 077);
	char line[4096];
	while (ok && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		char **items = realloc(out->items, (out->count + 1) * sizeof(*items));
		char *copy = strdup(line);
		if (!items || !copy) {
			free(copy);
			if (items)
				out->items = items;
			ok = false;
			break;
		}
		out->items = items;
		out->items[out->count++] = copy;
	}
	fclose(f);
	return ok && out->count > 0;
}

int main(int argc, char **argv)
{
	struct fake_options opt = {.bind = "127.0.0.1"};
	const char **tokens = calloc((size_t)argc + 1, sizeof(*tokens));
	json_t *faults = json_object();
	struct token_list file_tokens = {0};
	int rc = 2;
	if (!tokens || !faults) {
		fprintf(stderr, "trunkctl-fake-api: out of memory\n");
		goto out;
	}
	opt.tokens = tokens;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long n;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			rc = 0;
			goto out;
		}
		if (strcmp(a, "--any-host") == 0) {
			opt.any_host = true;
			continue;
		}
		if (strcmp(a, "--register-transport") == 0) {
			opt.register_transport = true;
			continue;
		}
		if (!v) {
			rc = die_usage("missing value or unknown option", a);
			goto out;
		}
		i++;
		if (strcmp(a, "--port") == 0 && parse_ll(v, 0, 65535, &n))
			opt.port = (int)n;
		else if (strcmp(a, "--bind") == 0)
			opt.bind = v;
		else if (strcmp(a, "--token") == 0)
			tokens[opt.token_count++] = v;
		else if (strcmp(a, "--token-file") == 0) {
			if (!read_token_file(v, &file_tokens)) {
				rc = die_usage(
				    "unreadable, group/world-readable or empty token file", v);
				goto out;
			}
		} else if (strcmp(a, "--foreign-token") == 0)
			opt.foreign_token = v;
		else if (strcmp(a, "--unscoped-token") == 0)
			opt.unscoped_token = v;
		else if (strcmp(a, "--revoked-token") == 0)
			opt.revoked_token = v;
		else if (strcmp(a, "--expired-token") == 0)
			opt.expired_token = v;
		else if (strcmp(a, "--sample") == 0 && parse_ll(v, 0, 1000000, &n))
			opt.samples = (int)n;
		else if (strcmp(a, "--seed") == 0 && parse_ll(v, 0, INT64_MAX, &n)) {
			opt.seeded = true;
			opt.seed = (uint64_t)n;
		} else if (strcmp(a, "--state") == 0)
			opt.state_path = v;
		else if (strcmp(a, "--clock") == 0 && parse_ll(v, 0, INT64_MAX, &n)) {
			opt.clock_frozen = true;
			opt.clock_start = n;
		} else if (strcmp(a, "--latency") == 0 && parse_ll(v, 0, 3600000, &n))
			json_object_set_new(faults, "latency_ms", json_integer(n));
		else if (strcmp(a, "--fault") == 0 && fault_flag(faults, v, "count", false))
			;
		else if (strcmp(a, "--fault-rate") == 0 && fault_flag(faults, v, "rate", true))
			;
		else if (strcmp(a, "--retry-after") == 0 && parse_ll(v, 0, 86400, &n))
			json_object_set_new(fault_kind(faults, "rate_limit"), "retry_after",
			                    json_integer(n));
		else if (strcmp(a, "--error-status") == 0) {
			json_t *list = json_array();
			char *copy = strdup(v), *save = NULL;
			for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
			     tok = strtok_r(NULL, ",", &save))
				json_array_append_new(list, parse_ll(tok, 0, 999, &n)
				                                ? json_integer(n)
				                                : json_string(tok));
			free(copy);
			json_object_set_new(fault_kind(faults, "error"), "statuses", list);
		} else {
			rc = die_usage("bad option or value", a);
			goto out;
		}
	}
	if (file_tokens.count) {
		const char **all =
		    realloc(tokens, (opt.token_count + file_tokens.count + 1) * sizeof(*tokens));
		if (!all) {
			rc = die_usage("out of memory", "--token-file");
			goto out;
		}
		tokens = all;
		opt.tokens = tokens;
		for (size_t t = 0; t < file_tokens.count; t++)
			tokens[opt.token_count++] = file_tokens.items[t];
	}
	if (opt.token_count == 0)
		tokens[opt.token_count++] = "fake-token";
	opt.faults = faults;

	/* Block the stop signals in every thread; only sigwait below takes them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	int port = 0;
	struct fake_server *srv = fake_server_start(&opt, &port);
	if (!srv) {
		rc = 1;
		goto out;
	}
	printf("listening on %d\n", port);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	fake_server_stop(srv);
	rc = 0;
out:
	json_decref(faults);
	free(tokens);
	for (size_t t = 0; t < file_tokens.count; t++)
		free(file_tokens.items[t]);
	free(file_tokens.items);
	return rc;
}
