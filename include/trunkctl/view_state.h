/*
 * What the TUI remembers of a profile's list between runs: the sort and the
 * columns shown, in order. One small text file per profile in the state
 * directory (state_dir: $XDG_STATE_HOME/trunkctl), written atomically, 0600:
 *
 *     sort = name
 *     order = asc
 *     columns = name authentication_mode -region max_channels sync
 *
 * A column is named by its key; a leading '-' hides it. The core neither
 * knows nor checks the names: the TUI drops those it has no column for.
 */
#ifndef TRUNKCTL_VIEW_STATE_H
#define TRUNKCTL_VIEW_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "trunkctl/error.h"

#define TC_VIEW_COLUMNS_MAX 32
#define TC_VIEW_NAME_MAX 48

struct tc_view_column {
	char name[TC_VIEW_NAME_MAX];
	bool hidden;
};

struct tc_view_state {
	char sort[TC_VIEW_NAME_MAX]; /* "": none remembered */
	bool descending;
	size_t column_count; /* 0: none remembered */
	struct tc_view_column columns[TC_VIEW_COLUMNS_MAX];
};

/* STATE_DIR/PROFILE.state into buf; false when it does not fit. */
bool tc_view_state_path(const char *state_dir, const char *profile, char *buf, size_t len);

/*
 * Reads path into st. A missing file is TC_OK with st empty. A file that is
 * not what tc_view_state_save writes is TC_CORRUPT naming the file and line,
 * st then empty: the caller goes on with its defaults. TC_IO when unreadable.
 */
enum tc_status tc_view_state_load(const char *path, struct tc_view_state *st, struct tc_error *err);

/*
 * Writes st to path through a temporary file renamed over it (a crash
 * leaves the old file or the new one), mode 0600, creating the directory
 * (0700) when missing. TC_IO on failure, TC_USAGE for a name the format
 * cannot hold (empty, blanks, a leading '-').
 */
enum tc_status tc_view_state_save(const char *path, const struct tc_view_state *st,
                                  struct tc_error *err);

#endif
