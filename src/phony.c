/* Phony 3.0.2's matching engine (its Country, NationalCode, TrunkCode and
 * splitter classes), step for step, over the generated table in src/phony_data.c. Ruby's quirks
 * are kept on purpose, since the switch dials what Phony answers: a regexp
 * local split appends the whole number again when its format is shorter, a
 * fixed local split drops digits past its widened last group, an empty NDC
 * capture takes the whole number. Every piece is a substring of the input,
 * so nothing is copied or allocated. */
#include "trunkctl/phony.h"

#include "phony_data.h"

#include <string.h>

/* A Ruby string or nil (len < 0), as a view into the caller's digits. */
struct piece {
	const char *p;
	int len;
};

/* Limits that tools/phony/generate.rb checks the table against: a local
 * format has at most MAX_PIECES - 1 groups, a regexp at most MAX_CAPS / 2 - 1
 * groups. A program never recurses deeper than its length plus a few levels
 * per input digit; MAX_DEPTH only stops an empty loop. */
#define MAX_PIECES 24
#define MAX_CAPS 20
#define MAX_DEPTH 4000

enum ndc_kind { NDC_STRING, NDC_FALSE };

struct split {
	const struct tc_phony_code *local; /* the local splitter, NULL if none */
	const struct tc_phony_code *trunk;
	enum ndc_kind ndc_kind;
	struct piece ndc;
	struct piece pieces[MAX_PIECES];
	size_t n_pieces;
};

static bool rx_run(const struct tc_phony_regex *rx, size_t pc, const char *s, size_t pos,
                   size_t len, size_t *caps, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return false;
	for (;;) {
		const struct tc_phony_insn *in = &rx->prog[pc];
		switch (in->op) {
		case PH_MASK:
			if (pos >= len || !((in->a >> (s[pos] - '0')) & 1u))
				return false;
			pos++;
			pc++;
			break;
		case PH_JMP:
			pc = in->a;
			break;
		case PH_SPLIT:
			if (rx_run(rx, in->a, s, pos, len, caps, depth + 1))
				return true;
			pc = in->b;
			break;
		case PH_SAVE: {
			if (in->a >= MAX_CAPS) {
				pc++;
				break;
			}
			size_t old = caps[in->a];
			caps[in->a] = pos;
			if (rx_run(rx, pc + 1, s, pos, len, caps, depth + 1))
				return true;
			caps[in->a] = old;
			return false;
		}
		case PH_BOL:
			if (pos != 0)
				return false;
			pc++;
			break;
		case PH_EOL:
			if (pos != len)
				return false;
			pc++;
			break;
		case PH_MATCH:
			return true;
		}
	}
}

/* Ruby's =~ / match?: the leftmost match; group 1 into *g1 (len -1: unset). */
static bool rx_search(const struct tc_phony_regex *rx, struct piece s, struct piece *g1)
{
	size_t caps[MAX_CAPS];
	for (size_t start = 0; start <= (size_t)s.len; start++) {
		for (size_t i = 0; i < MAX_CAPS; i++)
			caps[i] = (size_t)-1;
		if (rx_run(rx, 0, s.p, start, (size_t)s.len, caps, 0)) {
			if (g1) {
				bool set = caps[2] != (size_t)-1 && caps[3] != (size_t)-1;
				g1->p = set ? s.p + caps[2] : NULL;
				g1->len = set ? (int)(caps[3] - caps[2]) : -1;
			}
			return true;
		}
	}
	return false;
}

static struct piece slice(struct piece s, int from, int n)
{
	if (from > s.len)
		return (struct piece){NULL, -1};
	if (n > s.len - from)
		n = s.len - from;
	return (struct piece){s.p + from, n};
}

static int ndc_cmp(const char *ndc, struct piece p)
{
	int n = (int)strlen(ndc);
	if (n != p.len)
		return n < p.len ? -1 : 1;
	return memcmp(ndc, p.p, (size_t)n);
}

/* NationalSplitters::Variable: does a list exist for this length, and does it
 * hold the presumed code? */
static size_t ndc_lower_bound(const struct tc_phony_code *c, struct piece key, bool by_length)
{
	size_t lo = 0, hi = c->ndc_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int n = (int)strlen(c->ndcs[mid]);
		bool before = by_length ? n < key.len : ndc_cmp(c->ndcs[mid], key) < 0;
		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* NationalSplitters::Variable: does a list exist for this length, and does it
 * hold the presumed code? */
static void ndc_lookup(const struct tc_phony_code *c, struct piece presumed, int size,
                       bool *has_size, bool *found)
{
	size_t first = ndc_lower_bound(c, (struct piece){NULL, size}, true);
	*has_size = first < c->ndc_count && (int)strlen(c->ndcs[first]) == size;
	size_t at = ndc_lower_bound(c, presumed, false);
	*found = presumed.len == size && at < c->ndc_count && ndc_cmp(c->ndcs[at], presumed) == 0;
}

static void fixed_ns(int size, struct piece n, struct piece *ndc, struct piece *rest)
{
	if (size < 0) {
		*ndc = n;
		*rest = (struct piece){NULL, -1};
		return;
	}
	*ndc = slice(n, 0, size);
	*rest = slice(n, size, n.len);
}

/* The national splitter of one code: false when Ruby would raise. */
static bool national_split(const struct tc_phony_code *c, struct piece n, enum ndc_kind *kind,
                           struct piece *ndc, struct piece *rest)
{
	*kind = NDC_STRING;
	switch (c->ns) {
	case PH_NS_NONE:
		*kind = NDC_FALSE;
		*ndc = (struct piece){NULL, -1};
		*rest = n;
		return true;
	case PH_NS_FIXED:
		fixed_ns(c->ns_size, n, ndc, rest);
		return true;
	case PH_NS_REGEX: {
		struct piece g1;
		if (!rx_search(&c->ns_regex, n, &g1)) {
			fixed_ns(c->ns_size, n, ndc, rest);
			return true;
		}
		if (g1.len < 0)
			return false;                    /* $1 is nil: nil.size raises */
		int take = g1.len == 0 ? n.len : g1.len; /* slice!(0..-1) */
		if (take > n.len)
			take = n.len;
		*ndc = slice(n, 0, take);
		*rest = slice(n, take, n.len);
		return true;
	}
	case PH_NS_VARIABLE: {
		int min = (int)strlen(c->ndcs[0]);
		int max = (int)strlen(c->ndcs[c->ndc_count - 1]);
		struct piece presumed = slice(n, 0, min);
		int used = presumed.len;
		for (int i = min; i <= max; i++) {
			bool has_size, found;
			ndc_lookup(c, presumed, i, &has_size, &found);
			if (!has_size || found) {
				*ndc = presumed;
				*rest = slice(n, used, n.len);
				return true;
			}
			if (used < n.len) {
				used++;
				presumed.len++;
			}
		}
		fixed_ns(c->ns_size, n, ndc, rest);
		return true;
	}
	}
	return false;
}

static bool push(struct split *sp, struct piece p)
{
	if (sp->n_pieces == MAX_PIECES)
		return false;
	sp->pieces[sp->n_pieces++] = p;
	return true;
}

/* Splits rest by a format of group sizes; whole: Regex#split_with appends the
 * whole number when the format runs out. */
static bool split_with(struct split *sp, struct piece rest, const unsigned char *format, size_t n,
                       bool whole)
{
	int cursor = 0;
	for (size_t i = 0; i < n; i++) {
		if (!push(sp, slice(rest, cursor, format[i])))
			return false;
		cursor += format[i];
		if (cursor >= rest.len)
			return true;
	}
	return whole ? push(sp, rest) : true;
}

static bool local_split(const struct tc_phony_code *c, struct piece rest, struct split *sp)
{
	if (c->ls == PH_LS_FIXED)
		return split_with(sp, rest, c->format, c->format_len, false);
	for (size_t i = 0; i < c->rule_count; i++) {
		const struct tc_phony_rule *r = &c->rules[i];
		if (rx_search(&r->regex, rest, NULL))
			return split_with(sp, rest, r->format, r->format_len, true);
	}
	return split_with(sp, rest, c->format, c->format_len, true);
}

/* Country#internal_split; false when Ruby would raise. */
static bool internal_split(const struct tc_phony_country *country, struct piece n, struct split *sp)
{
	memset(sp, 0, sizeof *sp);
	for (size_t i = 0; i < country->code_count; i++) {
		const struct tc_phony_code *c = &country->codes[i];
		if (c->kind == PH_CODE_TRUNK) {
			if (!sp->trunk)
				sp->trunk = c;
			if (c->trunk_strip.prog) {
				/* The program is anchored at \A; save 1 is where the match ends. */
				size_t caps[MAX_CAPS];
				for (size_t k = 0; k < MAX_CAPS; k++)
					caps[k] = (size_t)-1;
				if (rx_run(&c->trunk_strip, 0, n.p, 0, (size_t)n.len, caps, 0))
					n = slice(n, (int)caps[1], n.len);
			}
			continue;
		}
		enum ndc_kind kind;
		struct piece ndc, rest;
		if (!national_split(c, n, &kind, &ndc, &rest))
			return false;
		if (rest.len < 0)
			continue;
		sp->ndc_kind = kind;
		sp->ndc = ndc;
		sp->local = c;
		return local_split(c, rest, sp);
	}
	sp->ndc_kind = NDC_STRING;
	sp->ndc = n;
	sp->local = NULL;
	return true;
}

static bool all_digits(const char *s, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0 || n > TC_PHONY_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	*len = n;
	return true;
}

/* CountryCodes#partial_split: the shortest calling code that exists. */
static const struct tc_phony_country *find_country(const char *digits, size_t len)
{
	for (size_t i = 1; i <= 3 && i <= len; i++) {
		for (size_t k = 0; k < tc_phony_country_count; k++) {
			const struct tc_phony_country *c = &tc_phony_countries[k];
			if (strlen(c->cc) == i && memcmp(c->cc, digits, i) == 0)
				return c;
		}
	}
	return NULL;
}

/* CountryCodes#split up to the country's own split. */
static enum tc_phony_status split_number(const char *digits, size_t len,
                                         const struct tc_phony_country **country, struct split *sp)
{
	const struct tc_phony_country *c = find_country(digits, len);
	if (!c)
		return TC_PHONY_NO_COUNTRY;
	size_t n = strlen(c->cc);
	*country = c;
	if (!internal_split(c, (struct piece){digits + n, (int)(len - n)}, sp))
		return TC_PHONY_FAILED;
	return TC_PHONY_OK;
}

/* What Phony.split and Phony.format do first: no cleaning of the input. */
static enum tc_phony_status split_input(const char *digits, const struct tc_phony_country **country,
                                        struct split *sp)
{
	size_t len;
	if (!all_digits(digits, &len))
		return TC_PHONY_NOT_DIGITS;
	return split_number(digits, len, country, sp);
}

enum tc_phony_status tc_phony_split(const char *digits, char *cc, size_t cc_size)
{
	const struct tc_phony_country *c;
	struct split sp;
	enum tc_phony_status st = split_input(digits, &c, &sp);
	if (st != TC_PHONY_OK)
		return st;
	size_t n = strlen(c->cc);
	if (cc_size <= n)
		return TC_PHONY_TOO_SMALL;
	memcpy(cc, c->cc, n + 1);
	return TC_PHONY_OK;
}

static bool local_plausible(const struct split *sp)
{
	const struct tc_phony_code *c = sp->local;
	unsigned total = 0;
	char joined[MAX_PIECES * TC_PHONY_MAX_DIGITS];
	for (size_t i = 0; i < sp->n_pieces; i++) {
		if (sp->pieces[i].len < 0)
			continue;
		memcpy(joined + total, sp->pieces[i].p, (size_t)sp->pieces[i].len);
		total += (unsigned)sp->pieces[i].len;
	}
	if (c->ls == PH_LS_FIXED)
		return total >= c->ls_min && total <= c->ls_max;
	const unsigned char *format = c->format;
	size_t format_len = c->format_len;
	struct piece number = {joined, (int)total};
	for (size_t i = 0; i < c->rule_count; i++) {
		if (rx_search(&c->rules[i].regex, number, NULL)) {
			format = c->rules[i].format;
			format_len = c->rules[i].format_len;
			break;
		}
	}
	unsigned want = 0;
	for (size_t i = 0; i < format_len; i++)
		want += format[i];
	return total == want;
}

bool tc_phony_plausible(const char *digits)
{
	size_t len;
	if (!all_digits(digits, &len))
		return false;
	/* CountryCodes#clean drops a leading 0 or 00 (an international prefix). */
	if (digits[0] == '0') {
		digits++;
		len--;
		if (len > 0 && digits[0] == '0') {
			digits++;
			len--;
		}
	}
	if (len < 4 || len > 16)
		return false;
	const struct tc_phony_country *c;
	struct split sp;
	if (split_number(digits, len, &c, &sp) != TC_PHONY_OK)
		return false;
	if (sp.ndc_kind == NDC_STRING && sp.ndc.len <= 0)
		return false;
	if (sp.ndc_kind == NDC_STRING && c->invalid_ndcs.prog &&
	    rx_search(&c->invalid_ndcs, sp.ndc, NULL))
		return false;
	if (!sp.local)
		return false;
	return local_plausible(&sp);
}

static bool append(char *out, size_t out_size, size_t *at, const char *p, size_t n)
{
	if (*at + n + 1 > out_size)
		return false;
	memcpy(out + *at, p, n);
	*at += n;
	out[*at] = '\0';
	return true;
}

enum tc_phony_status tc_phony_national(const char *digits, char *out, size_t out_size)
{
	const struct tc_phony_country *c;
	struct split sp;
	enum tc_phony_status st = split_input(digits, &c, &sp);
	if (st != TC_PHONY_OK)
		return st;
	if (out_size == 0)
		return TC_PHONY_TOO_SMALL;
	size_t at = 0;
	out[0] = '\0';
	bool ok = true;
	if (sp.trunk)
		ok = append(out, out_size, &at, sp.trunk->trunk_digits,
		            strlen(sp.trunk->trunk_digits));
	if (ok && sp.ndc_kind == NDC_STRING && sp.ndc.len > 0)
		ok = append(out, out_size, &at, sp.ndc.p, (size_t)sp.ndc.len);
	for (size_t i = 0; ok && i < sp.n_pieces; i++)
		if (sp.pieces[i].len > 0)
			ok = append(out, out_size, &at, sp.pieces[i].p, (size_t)sp.pieces[i].len);
	return ok ? TC_PHONY_OK : TC_PHONY_TOO_SMALL;
}
