#include "keymap.h"

#include "tui.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct action_info {
	enum tui_scope scope;
	const char *name;
	const char *label;
	bool writes;
	const char *keys;
	const char *help;
};

static const struct action_info actions[TUI_ACT_COUNT] = {
    [TUI_ACT_NONE] = {TUI_SCOPE_GENERIC, "", "", false, "", ""},
#define TUI_ACTION_ROW(id, scope, name, label, writes, keys, help)                                 \
	[TUI_ACT_##id] = {TUI_SCOPE_##scope, name, label, writes, keys, help},
    TUI_ACTION_LIST(TUI_ACTION_ROW)
#undef TUI_ACTION_ROW
};

static const char *const scope_labels[TUI_SCOPE_COUNT] = {
    [TUI_SCOPE_GENERIC] = "Everywhere",      [TUI_SCOPE_LIST] = "Trunk list",
    [TUI_SCOPE_DETAIL] = "Trunk detail",     [TUI_SCOPE_FORM] = "Form",
    [TUI_SCOPE_PENDING] = "Pending changes", [TUI_SCOPE_CONFLICT] = "Conflicts",
    [TUI_SCOPE_ROUTING] = "Routing",         [TUI_SCOPE_COLUMNS] = "Columns",
};

static const struct {
	const char *name;
	int code;
} named_keys[] = {
    {"Up", KEY_UP},      {"Down", KEY_DOWN},  {"Left", KEY_LEFT}, {"Right", KEY_RIGHT},
    {"PgUp", KEY_PPAGE}, {"PgDn", KEY_NPAGE}, {"Home", KEY_HOME}, {"End", KEY_END},
    {"S-Tab", KEY_BTAB}, {"Del", KEY_DC},     {"Ins", KEY_IC},    {"Backspace", KEY_BACKSPACE},
};

static const struct {
	const char *name;
	wint_t ch;
} named_chars[] = {
    {"Enter", L'\n'},
    {"Esc", 27},
    {"Tab", L'\t'},
    {"Space", L' '},
};

static const struct {
	const char *mark, *meaning;
} legend[TUI_LEGEND_COUNT] = {
#define TUI_LEGEND_ROW(id, mark, meaning) [TUI_LEGEND_##id] = {mark, meaning},
    TUI_LEGEND_LIST(TUI_LEGEND_ROW)
#undef TUI_LEGEND_ROW
};

const char *tui_legend_mark(enum tui_legend l)
{
	return l < TUI_LEGEND_COUNT ? legend[l].mark : "";
}

const char *tui_legend_meaning(enum tui_legend l)
{
	return l < TUI_LEGEND_COUNT ? legend[l].meaning : "";
}

const char *tui_action_name(enum tui_action a)
{
	return (a > TUI_ACT_NONE && a < TUI_ACT_COUNT) ? actions[a].name : "";
}

const char *tui_action_help(enum tui_action a)
{
	return (a > TUI_ACT_NONE && a < TUI_ACT_COUNT) ? actions[a].help : "";
}

const char *tui_action_label(enum tui_action a)
{
	return (a > TUI_ACT_NONE && a < TUI_ACT_COUNT) ? actions[a].label : "";
}

bool tui_action_writes(enum tui_action a)
{
	return a > TUI_ACT_NONE && a < TUI_ACT_COUNT && actions[a].writes;
}

enum tui_scope tui_action_scope(enum tui_action a)
{
	return (a > TUI_ACT_NONE && a < TUI_ACT_COUNT) ? actions[a].scope : TUI_SCOPE_GENERIC;
}

const char *tui_scope_label(enum tui_scope s)
{
	return (s >= 0 && s < TUI_SCOPE_COUNT) ? scope_labels[s] : "";
}

enum tui_action tui_action_by_name(const char *name)
{
	for (int a = TUI_ACT_NONE + 1; name && a < TUI_ACT_COUNT; a++)
		if (strcmp(actions[a].name, name) == 0)
			return (enum tui_action)a;
	return TUI_ACT_NONE;
}

/* One key name: "j", "?", "C-d", "F5", "PgDn", or a single UTF-8 character. */
static bool parse_key(const char *tok, size_t len, struct tui_key *out)
{
	char name[32];
	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, tok, len);
	name[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(named_keys); i++)
		if (strcasecmp(name, named_keys[i].name) == 0) {
			*out = (struct tui_key){true, (wint_t)named_keys[i].code};
			return true;
		}
	for (size_t i = 0; i < ARRAY_SIZE(named_chars); i++)
		if (strcasecmp(name, named_chars[i].name) == 0) {
			*out = (struct tui_key){false, named_chars[i].ch};
			return true;
		}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
		char c = name[2];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < '@' || c > '_')
			return false;
		*out = (struct tui_key){false, (wint_t)(c - '@')};
		return true;
	}
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
		int n = 0;
		for (const char *p = name + 1; *p; p++) {
			if (*p < '0' || *p > '9')
				return false;
			n = n * 10 + (*p - '0');
		}
		if (n < 1 || n > 24)
			return false;
		*out = (struct tui_key){true, (wint_t)KEY_F(n)};
		return true;
	}
	wchar_t wc;
	mbstate_t st = {0};
	size_t n = mbrtowc(&wc, name, len, &st);
	if (n != len || wc <= L' ')
		return false;
	*out = (struct tui_key){false, (wint_t)wc};
	return true;
}

static enum tc_status parse_keys(const char *spec, struct tui_key keys[TUI_KEYS_MAX], size_t *count,
                                 struct tc_error *err)
{
	*count = 0;
	if (strcmp(spec, "none") == 0)
		return TC_OK;
	const char *p = spec;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t len = (size_t)(p - start);
		if (*count == TUI_KEYS_MAX)
			return tc_error_set(err, TC_USAGE,
			                    "at most %d keys can be bound to one action",
			                    TUI_KEYS_MAX);
		if (!parse_key(start, len, &keys[*count]))
			return tc_error_set(
			    err, TC_USAGE,
			    "\"%.*s\" is not a key name (try j, C-d, F5, PgDn, Enter)", (int)len,
			    start);
		(*count)++;
	}
	if (*count == 0)
		return tc_error_set(err, TC_USAGE, "no key given (write none to unbind)");
	return TC_OK;
}

void tui_keymap_init(struct tui_keymap *km)
{
	memset(km, 0, sizeof(*km));
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		struct tc_error err;
		tc_error_init(&err);
		/* The defaults are part of the program; a bad one is caught by the unit test. */
		if (parse_keys(actions[a].keys, km->keys[a], &km->count[a], &err) != TC_OK)
			km->count[a] = 0;
	}
}

enum tc_status tui_keymap_bind(struct tui_keymap *km, const char *action, const char *keys,
                               struct tc_error *err)
{
	enum tui_action a = tui_action_by_name(action);
	if (a == TUI_ACT_NONE)
		return tc_error_set(err, TC_USAGE,
		                    "\"%s\" is not an action (the help screen lists them)", action);
	struct tui_key parsed[TUI_KEYS_MAX];
	size_t n;
	enum tc_status st = parse_keys(keys, parsed, &n, err);
	if (st != TC_OK)
		return st;
	memcpy(km->keys[a], parsed, sizeof(parsed));
	km->count[a] = n;
	return TC_OK;
}

static bool key_eq(struct tui_key a, struct tui_key b)
{
	return a.fn == b.fn && a.code == b.code;
}

static enum tui_action lookup_scope(const struct tui_keymap *km, enum tui_scope scope,
                                    struct tui_key key)
{
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++) {
		if (actions[a].scope != scope)
			continue;
		for (size_t i = 0; i < km->count[a]; i++)
			if (key_eq(km->keys[a][i], key))
				return (enum tui_action)a;
	}
	return TUI_ACT_NONE;
}

enum tui_action tui_keymap_lookup(const struct tui_keymap *km, enum tui_scope scope,
                                  struct tui_key key)
{
	enum tui_action a = lookup_scope(km, scope, key);
	if (a == TUI_ACT_NONE && scope != TUI_SCOPE_GENERIC)
		a = lookup_scope(km, TUI_SCOPE_GENERIC, key);
	return a;
}

enum tc_status tui_keymap_check(const struct tui_keymap *km, struct tc_error *err)
{
	for (int a = TUI_ACT_NONE + 1; a < TUI_ACT_COUNT; a++)
		for (size_t i = 0; i < km->count[a]; i++)
			for (int b = a + 1; b < TUI_ACT_COUNT; b++) {
				if (actions[b].scope != actions[a].scope)
					continue;
				for (size_t j = 0; j < km->count[b]; j++) {
					if (!key_eq(km->keys[a][i], km->keys[b][j]))
						continue;
					char name[32];
					tui_key_name(km->keys[a][i], name, sizeof(name));
					return tc_error_set(err, TC_USAGE,
					                    "%s is bound to both %s and %s", name,
					                    actions[a].name, actions[b].name);
				}
			}
	return TC_OK;
}

void tui_key_name(struct tui_key key, char *buf, size_t len)
{
	if (key.fn) {
		for (size_t i = 0; i < ARRAY_SIZE(named_keys); i++)
			if ((wint_t)named_keys[i].code == key.code) {
				snprintf(buf, len, "%s", named_keys[i].name);
				return;
			}
		for (int n = 1; n <= 24; n++)
			if (key.code == (wint_t)KEY_F(n)) {
				snprintf(buf, len, "F%d", n);
				return;
			}
		snprintf(buf, len, "key%u", (unsigned)key.code);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(named_chars); i++)
		if (named_chars[i].ch == key.code) {
			snprintf(buf, len, "%s", named_chars[i].name);
			return;
		}
	if (key.code < L' ') {
		snprintf(buf, len, "C-%c", (char)(key.code + 'a' - 1));
		return;
	}
	char mb[MB_LEN_MAX + 1];
	mbstate_t st = {0};
	size_t n = wcrtomb(mb, (wchar_t)key.code, &st);
	if (n == (size_t)-1)
		n = 0;
	mb[n] = '\0';
	snprintf(buf, len, "%s", mb);
}

void tui_keymap_describe(const struct tui_keymap *km, enum tui_action a, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < km->count[a] && used + 1 < len; i++) {
		char name[32];
		tui_key_name(km->keys[a][i], name, sizeof(name));
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "", name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

void tui_keymap_first(const struct tui_keymap *km, enum tui_action a, bool typing, char *buf,
                      size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < km->count[a]; i++) {
		struct tui_key k = km->keys[a][i];
		if (typing && !k.fn && k.code >= L' ')
			continue;
		tui_key_name(k, buf, len);
		return;
	}
}

enum tc_status tui_binding_check(const char *action, const char *keys, struct tc_error *err)
{
	struct tui_keymap km;
	tui_keymap_init(&km);
	return tui_keymap_bind(&km, action, keys, err);
}
